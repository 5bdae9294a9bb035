using Passage.Host.Devices;

namespace Passage.Host.Linux;

/// <summary>
/// An anonymous shared-memory block (<c>memfd_create</c> + <c>ftruncate</c> + shared <c>mmap</c>)
/// that simulated BARs are backed by; its fd can be mapped again, here or in another process.
/// </summary>
public sealed class MemFdMemory : IDisposable
{
    private const uint MemFdCloexec = LibC.MfdCloexec;

    private readonly FileDescriptorHandle _fd;
    private readonly MappedArea _mapping;

    private MemFdMemory(FileDescriptorHandle fd, MappedArea mapping, int length)
    {
        _fd = fd;
        _mapping = mapping;
        Length = length;
    }

    /// <summary>Size of the block in bytes.</summary>
    public int Length { get; }

    /// <summary>The memfd descriptor (close-on-exec).</summary>
    public int Fd
    {
        get
        {
            ObjectDisposedException.ThrowIf(_fd.IsClosed, this);
            return _fd.Fd;
        }
    }

    /// <summary>A new close-on-exec descriptor for the block (to map it in another process); owned by the caller.</summary>
    /// <exception cref="HostDeviceException">The kernel refused.</exception>
    public FileDescriptorHandle DuplicateDescriptor() => _fd.Duplicate();

    /// <summary>The whole block; throws <see cref="ObjectDisposedException"/> after dispose.</summary>
    public Span<byte> Span => _mapping.Span;

    /// <summary>Creates a zero-filled block of <paramref name="length"/> bytes named <paramref name="name"/> (shown in /proc).</summary>
    /// <exception cref="HostDeviceException">The kernel refused.</exception>
    public static MemFdMemory Create(int length, string name = "passage")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentException.ThrowIfNullOrEmpty(name);

        FileDescriptorHandle fd = LibC.memfd_create(name, MemFdCloexec);
        if (fd.IsInvalid)
        {
            Errno errno = LibC.LastErrno();
            fd.Dispose();
            throw new HostDeviceException(errno, $"cannot create memory block '{name}': {LibC.Describe(errno)}");
        }

        try
        {
            if (LibC.ftruncate(fd, length) != 0)
            {
                Errno errno = LibC.LastErrno();
                throw new HostDeviceException(errno, $"cannot size memory block '{name}' to {length} bytes: {LibC.Describe(errno)}");
            }

            MappedArea mapping = MappedArea.Map(fd, 0, (ulong)length, writable: true, areaOffset: 0);
            return new MemFdMemory(fd, mapping, length);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>A second, independent shared mapping of the same memory; it outlives this object until disposed.</summary>
    public IMappedArea MapAgain()
    {
        ObjectDisposedException.ThrowIf(_fd.IsClosed, this);
        return MappedArea.Map(_fd, 0, (ulong)Length, writable: true, areaOffset: 0);
    }

    /// <summary>A shared mapping of [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="size"/>), page-aligned; it outlives this object until disposed.</summary>
    /// <exception cref="HostDeviceException">EINVAL: the range is not page-aligned or not inside the block.</exception>
    public IMappedArea MapRange(ulong offset, ulong size)
    {
        ObjectDisposedException.ThrowIf(_fd.IsClosed, this);
        if (size == 0 || (offset | size) % (ulong)Environment.SystemPageSize != 0 || offset + size > (ulong)Length || offset + size < offset)
        {
            throw new HostDeviceException(Errno.EINVAL, $"cannot map [0x{offset:x}, +0x{size:x}) of a {Length}-byte block: not page-aligned or outside it");
        }

        return MappedArea.Map(_fd, (long)offset, size, writable: true, areaOffset: offset);
    }

    /// <summary>
    /// Returns every byte to 0 and gives the pages back to the kernel (truncate to 0 and regrow):
    /// every mapping stays valid and reads zeros, and untouched pages cost no memory.
    /// </summary>
    /// <exception cref="HostDeviceException">The kernel refused.</exception>
    public void Zero()
    {
        ObjectDisposedException.ThrowIf(_fd.IsClosed, this);
        if (LibC.ftruncate(_fd, 0) != 0 || LibC.ftruncate(_fd, Length) != 0)
        {
            Errno errno = LibC.LastErrno();
            throw new HostDeviceException(errno, $"cannot clear memory block: {LibC.Describe(errno)}");
        }
    }

    /// <summary>Unmaps the primary view and closes the descriptor.</summary>
    public void Dispose()
    {
        _mapping.Dispose();
        _fd.Dispose();
    }
}
