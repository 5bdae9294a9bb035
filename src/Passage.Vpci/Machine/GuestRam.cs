using System.Buffers.Binary;
using Passage.Host.Linux;

namespace Passage.Vpci.Machine;

/// <summary>
/// The guest's RAM: one block of real shared memory (memfd), zero at start, served on the memory
/// bus at offsets 0 to <see cref="Length"/>. Accesses do not allocate; after <see cref="Dispose"/>
/// reads return all ones and writes are dropped, even when they race the disposal.
/// </summary>
public sealed class GuestRam : IBusDevice, IDisposable
{
    private readonly MemFdMemory _memory;
    private int _users;
    private int _disposed;

    /// <summary>Allocates <paramref name="length"/> bytes of zeroed shared memory.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The length is zero or beyond what one memfd mapping holds (2 GiB − 1).</exception>
    /// <exception cref="Passage.Host.Devices.HostDeviceException">The kernel refused the memory.</exception>
    public GuestRam(ulong length)
    {
        ArgumentOutOfRangeException.ThrowIfZero(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, (ulong)int.MaxValue);
        _memory = MemFdMemory.Create((int)length, "passage-guest-ram");
        Length = length;
    }

    /// <summary>Bytes of RAM.</summary>
    public ulong Length { get; }

    /// <inheritdoc />
    public void Read(ulong offset, Span<byte> data)
    {
        if (!Enter(offset, data.Length))
        {
            data.Fill(0xFF);
            return;
        }

        try
        {
            _memory.Span.Slice((int)offset, data.Length).CopyTo(data);
        }
        finally
        {
            Exit();
        }
    }

    /// <inheritdoc />
    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        if (!Enter(offset, data.Length))
        {
            return;
        }

        try
        {
            data.CopyTo(_memory.Span.Slice((int)offset, data.Length));
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>A new descriptor for the RAM's memfd (offset 0 = guest-physical 0), for a device process that maps guest memory for DMA; owned by the caller.</summary>
    public FileDescriptorHandle OpenDescriptor()
    {
        ObjectDisposedException.ThrowIf(!Enter(0, 0), this);
        try
        {
            return _memory.DuplicateDescriptor();
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Writes the 4-byte little-endian <paramref name="value"/> at <paramref name="offset"/> (how a message-signalled interrupt aimed at RAM lands); false when it does not fit.</summary>
    public bool TryWriteUInt32(ulong offset, uint value)
    {
        if (!Enter(offset, sizeof(uint)))
        {
            return false;
        }

        try
        {
            BinaryPrimitives.WriteUInt32LittleEndian(_memory.Span.Slice((int)offset, sizeof(uint)), value);
            return true;
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Frees the memory once accesses in flight have finished.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Accessors announce themselves before checking _disposed; both sides use full fences, so
        // every access either saw the flag or is counted here.
        var spin = default(SpinWait);
        while (Volatile.Read(ref _users) != 0)
        {
            spin.SpinOnce();
        }

        _memory.Dispose();
    }

    private bool Enter(ulong offset, int length)
    {
        if (offset > Length || (ulong)length > Length - offset)
        {
            return false;
        }

        Interlocked.Increment(ref _users);
        if (Volatile.Read(ref _disposed) != 0)
        {
            Exit();
            return false;
        }

        return true;
    }

    private void Exit() => Interlocked.Decrement(ref _users);
}
