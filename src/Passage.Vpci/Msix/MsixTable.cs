using System.Buffers.Binary;

namespace Passage.Vpci.Msix;

/// <summary>What a guest write to the MSI-X table did (the caller acts on mask changes).</summary>
internal enum MsixTableChange
{
    /// <summary>Not an access the table takes (size, alignment, field): dropped.</summary>
    Invalid,

    /// <summary>Address or data stored; the entry is marked Updated.</summary>
    Stored,

    /// <summary>Vector control written with the mask bit unchanged.</summary>
    Unchanged,

    /// <summary>The entry's mask bit went from 0 to 1.</summary>
    Masked,

    /// <summary>The entry's mask bit went from 1 to 0.</summary>
    Unmasked,
}

/// <summary>
/// The guest's MSI-X table and pending bits (vpci.md §7.3–§7.4): per entry an address, data, the
/// mask bit (initially set) and an Updated flag raised by address/data writes. Only aligned 4- or
/// 8-byte accesses are taken, 8-byte ones at +0 and +8 only; vector control reads back only its
/// mask bit. Entry = offset / 16 from the table start (the table is only QWORD-aligned). Plain
/// arrays, no allocation; the caller holds the function lock, except for the pending bits, which
/// the router thread also sets and takes without it (atomic operations on 64-bit words).
/// </summary>
internal sealed class MsixTable
{
    private const int EntrySize = 16;

    private readonly ulong[] _address;
    private readonly uint[] _data;
    private readonly bool[] _masked;
    private readonly bool[] _updated;
    private readonly ulong[] _pending;

    /// <summary>Creates a table of <paramref name="vectors"/> entries at reset state: every entry masked, nothing pending.</summary>
    public MsixTable(int vectors)
    {
        Count = vectors;
        _address = new ulong[vectors];
        _data = new uint[vectors];
        _masked = new bool[vectors];
        _updated = new bool[vectors];
        _pending = new ulong[(vectors + 63) / 64];
        Reset();
    }

    /// <summary>Entries (N).</summary>
    public int Count { get; }

    /// <summary>Bytes the table spans.</summary>
    public ulong Bytes => (ulong)Count * EntrySize;

    /// <summary>Entry <paramref name="vector"/>'s message address.</summary>
    public ulong Address(int vector) => _address[vector];

    /// <summary>Entry <paramref name="vector"/>'s message data.</summary>
    public uint Data(int vector) => _data[vector];

    /// <summary>Entry <paramref name="vector"/>'s mask bit.</summary>
    public bool IsMasked(int vector) => _masked[vector];

    /// <summary>Whether address or data changed since the entry was last programmed.</summary>
    public bool IsUpdated(int vector) => _updated[vector];

    /// <summary>Sets or clears entry <paramref name="vector"/>'s Updated flag.</summary>
    public void SetUpdated(int vector, bool updated) => _updated[vector] = updated;

    /// <summary>Whether vector <paramref name="vector"/> is pending in the emulated PBA.</summary>
    public bool IsPending(int vector) => (Volatile.Read(ref _pending[vector >> 6]) & (1UL << (vector & 63))) != 0;

    /// <summary>Latches vector <paramref name="vector"/> as pending (atomic, a full fence).</summary>
    public void SetPending(int vector) => Interlocked.Or(ref _pending[vector >> 6], 1UL << (vector & 63));

    /// <summary>Clears vector <paramref name="vector"/>'s pending bit (atomic, a full fence); true for the one caller that found it set.</summary>
    public bool ClearPending(int vector)
    {
        ulong bit = 1UL << (vector & 63);
        return (Interlocked.And(ref _pending[vector >> 6], ~bit) & bit) != 0;
    }

    /// <summary>Clears every pending bit.</summary>
    public void ClearAllPending()
    {
        for (int i = 0; i < _pending.Length; i++)
        {
            Interlocked.Exchange(ref _pending[i], 0);
        }
    }

    /// <summary>Reads one 4- or 8-byte aligned access at <paramref name="offset"/> from the table start; false when the access is not one the table takes.</summary>
    public bool Read(ulong offset, Span<byte> data)
    {
        if (!Valid(offset, data.Length, out int entry, out int field))
        {
            return false;
        }

        ulong value = (field, data.Length) switch
        {
            (0, 4) => (uint)_address[entry],
            (0, _) => _address[entry],
            (4, _) => (uint)(_address[entry] >> 32),
            (8, 4) => _data[entry],
            (8, _) => _data[entry] | ((ulong)VectorControl(entry) << 32),
            _ => VectorControl(entry),
        };
        if (data.Length == 8)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(data, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(data, (uint)value);
        }

        return true;
    }

    /// <summary>Writes one 4- or 8-byte aligned access at <paramref name="offset"/> from the table start; <paramref name="entry"/> is the entry touched.</summary>
    public MsixTableChange Write(ulong offset, ReadOnlySpan<byte> data, out int entry)
    {
        if (!Valid(offset, data.Length, out entry, out int field))
        {
            return MsixTableChange.Invalid;
        }

        ulong value = data.Length == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(data) : BinaryPrimitives.ReadUInt32LittleEndian(data);
        switch (field, data.Length)
        {
            case (0, 4):
                _address[entry] = (_address[entry] & 0xFFFF_FFFF_0000_0000) | (uint)value;
                break;
            case (0, _):
                _address[entry] = value;
                break;
            case (4, _):
                _address[entry] = (_address[entry] & 0xFFFF_FFFF) | (value << 32);
                break;
            case (8, 4):
                _data[entry] = (uint)value;
                break;
            case (8, _):
                _data[entry] = (uint)value;
                _updated[entry] = true;
                return WriteVectorControl(entry, (uint)(value >> 32));
            default:
                return WriteVectorControl(entry, (uint)value);
        }

        _updated[entry] = true;
        return MsixTableChange.Stored;
    }

    /// <summary>Reset state (pci.md §8): every entry masked, address and data 0, nothing Updated or pending.</summary>
    public void Reset()
    {
        Array.Clear(_address);
        Array.Clear(_data);
        Array.Fill(_masked, true);
        Array.Clear(_updated);
        ClearAllPending();
    }

    /// <summary>The emulated PBA's <paramref name="size"/> (4 or 8) bytes at <paramref name="offset"/> from its start.</summary>
    public ulong ReadPba(ulong offset, int size)
    {
        int word = (int)(offset >> 3);
        ulong bits = word < _pending.Length ? Volatile.Read(ref _pending[word]) : 0;
        return size == 8 ? bits : (bits >> (int)((offset & 4) * 8)) & 0xFFFF_FFFF;
    }

    // Only bit 0 (the mask) reads back; 15:1 are reserved and 31:16 matter only with TPH, which is not exposed.
    private uint VectorControl(int entry) => _masked[entry] ? 1u : 0u;

    private MsixTableChange WriteVectorControl(int entry, uint value)
    {
        bool masked = (value & 1) != 0;
        if (masked == _masked[entry])
        {
            return MsixTableChange.Unchanged;
        }

        _masked[entry] = masked;
        return masked ? MsixTableChange.Masked : MsixTableChange.Unmasked;
    }

    private bool Valid(ulong offset, int size, out int entry, out int field)
    {
        entry = (int)Math.Min(offset / EntrySize, int.MaxValue);
        field = (int)(offset % EntrySize);
        return size is 4 or 8 && offset % (ulong)size == 0 && (size == 4 || field is 0 or 8) && entry < Count;
    }
}
