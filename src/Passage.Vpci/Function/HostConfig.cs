using Passage.Host.Devices;

namespace Passage.Vpci.Function;

/// <summary>
/// The host device's config region (7) as registers: the live values emulation passes through
/// or forwards to. A failed read yields all ones, a failed write is dropped (the device reports why
/// through its own policy); nothing here allocates.
/// </summary>
internal sealed class HostConfig(IHostDevice device)
{
    /// <summary>Reads <paramref name="size"/> (1, 2 or 4) bytes at <paramref name="offset"/>.</summary>
    public uint Read(int offset, int size)
    {
        Span<byte> bytes = stackalloc byte[4];
        if (device.Read(VfioRegion.Config, (ulong)offset, bytes[..size]) != Errno.None)
        {
            return size == 4 ? uint.MaxValue : (1u << (8 * size)) - 1;
        }

        return bytes[0] | ((uint)bytes[1] << 8) | ((uint)bytes[2] << 16) | ((uint)bytes[3] << 24);
    }

    /// <summary>Writes <paramref name="size"/> (1, 2 or 4) bytes at <paramref name="offset"/>.</summary>
    public Errno Write(int offset, int size, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        for (int i = 0; i < size; i++)
        {
            bytes[i] = (byte)(value >> (8 * i));
        }

        return device.Write(VfioRegion.Config, (ulong)offset, bytes[..size]);
    }
}
