using System.Buffers.Binary;

namespace Passage.Host.Sim.Runtime;

/// <summary>
/// A function's configuration space as registers and per-bit rules: every dword has a value, a
/// writable mask, a write-1-to-clear mask and a sticky mask (bits a reset keeps). Bits in no mask
/// are read-only or reserved. Watched bits turn a write into <see cref="ConfigEffects"/>; trigger
/// bits act when written as 1 and always read 0. One write path serves every register.
/// </summary>
internal sealed class ConfigRegisterFile
{
    private readonly uint[] _values;
    private readonly uint[] _powerOn;
    private readonly uint[] _writable;
    private readonly uint[] _clearOnOne;
    private readonly uint[] _sticky;
    private WatchedBits[] _watches = [];

    /// <summary>Loads the power-on bytes; every bit starts read-only.</summary>
    public ConfigRegisterFile(ReadOnlySpan<byte> powerOn)
    {
        int dwords = powerOn.Length / 4;
        _values = new uint[dwords];
        for (int i = 0; i < dwords; i++)
        {
            _values[i] = BinaryPrimitives.ReadUInt32LittleEndian(powerOn[(i * 4)..]);
        }

        _powerOn = (uint[])_values.Clone();
        _writable = new uint[dwords];
        _clearOnOne = new uint[dwords];
        _sticky = new uint[dwords];
    }

    /// <summary>Size in bytes.</summary>
    public int Size => _values.Length * 4;

    /// <summary>Declares the rules of the field of <paramref name="width"/> bytes at <paramref name="offset"/> (masks relative to the field).</summary>
    public void Rule(int offset, int width, uint writable, uint clearOnOne = 0, bool sticky = false)
    {
        (int index, int shift, uint lanes) = Locate(offset, width);
        _writable[index] = (_writable[index] & ~lanes) | ((writable << shift) & lanes);
        _clearOnOne[index] = (_clearOnOne[index] & ~lanes) | ((clearOnOne << shift) & lanes);
        _sticky[index] = sticky ? _sticky[index] | lanes : _sticky[index] & ~lanes;
    }

    /// <summary>Reports <paramref name="effect"/> when <paramref name="mask"/> bits of the field change (or, for a trigger, are written as 1).</summary>
    public void Watch(int offset, int width, uint mask, ConfigEffects effect, bool trigger = false)
    {
        (int index, int shift, uint lanes) = Locate(offset, width);
        _watches = [.. _watches, new WatchedBits(index, (mask << shift) & lanes, effect, trigger)];
    }

    /// <summary>Reads <paramref name="size"/> bytes at a validated, naturally aligned offset.</summary>
    public uint Read(int offset, int size)
    {
        uint value = _values[offset >> 2] >> ((offset & 3) * 8);
        return size == 4 ? value : value & ((1u << (size * 8)) - 1);
    }

    /// <summary>Writes through the masks at a validated, naturally aligned offset and returns what the write set in motion.</summary>
    public ConfigEffects Write(int offset, int size, uint value)
    {
        (int index, int shift, uint lanes) = Locate(offset, size);
        uint data = (value << shift) & lanes;
        uint old = _values[index];
        uint updated = (old & ~(_writable[index] & lanes)) | (data & _writable[index]);
        updated &= ~(data & _clearOnOne[index]);
        _values[index] = updated;

        ConfigEffects effects = ConfigEffects.None;
        foreach (WatchedBits w in _watches)
        {
            if (w.Index == index && (w.Trigger ? data & w.Mask : (old ^ updated) & w.Mask) != 0)
            {
                effects |= w.Effect;
            }
        }

        return effects;
    }

    /// <summary>Device-side update of a field, bypassing the software rules.</summary>
    public void Set(int offset, int width, uint value)
    {
        (int index, int shift, uint lanes) = Locate(offset, width);
        _values[index] = (_values[index] & ~lanes) | ((value << shift) & lanes);
    }

    /// <summary>Returns every register to its power-on value; sticky bits keep their current value.</summary>
    public void Reset()
    {
        for (int i = 0; i < _values.Length; i++)
        {
            _values[i] = (_powerOn[i] & ~_sticky[i]) | (_values[i] & _sticky[i]);
        }
    }

    private static (int Index, int Shift, uint Lanes) Locate(int offset, int width)
    {
        int shift = (offset & 3) * 8;
        uint lanes = width == 4 ? 0xFFFF_FFFFu : ((1u << (width * 8)) - 1) << shift;
        return (offset >> 2, shift, lanes);
    }

    private readonly record struct WatchedBits(int Index, uint Mask, ConfigEffects Effect, bool Trigger);
}
