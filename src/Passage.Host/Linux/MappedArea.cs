using Passage.Host.Devices;

namespace Passage.Host.Linux;

/// <summary>A shared mmap of a file range (a memfd block or a VFIO region area); disposing it unmaps.</summary>
public sealed class MappedArea : IMappedArea
{
    private readonly MappingHandle _mapping;

    private MappedArea(MappingHandle mapping, ulong offset, ulong size)
    {
        _mapping = mapping;
        Offset = offset;
        Size = size;
    }

    /// <inheritdoc/>
    public ulong Offset { get; }

    /// <inheritdoc/>
    public ulong Size { get; }

    /// <inheritdoc/>
    public unsafe Span<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_mapping.IsClosed, this);
            if (Size > int.MaxValue)
            {
                throw new NotSupportedException($"a mapping of {Size} bytes is larger than one span can address");
            }

            // Sound: the mapping covers Size bytes from its address and stays mapped until
            // Dispose; the span is bounded to exactly that length.
            return new Span<byte>((void*)_mapping.DangerousGetHandle(), (int)Size);
        }
    }

    /// <summary>Maps <paramref name="size"/> bytes of <paramref name="fd"/> at <paramref name="fileOffset"/>, shared.</summary>
    /// <exception cref="HostDeviceException">mmap failed.</exception>
    public static MappedArea Map(FileDescriptorHandle fd, long fileOffset, ulong size, bool writable, ulong areaOffset)
    {
        if (size == 0)
        {
            throw new HostDeviceException(Errno.EINVAL, "cannot map an empty area");
        }

        int protection = LibC.ProtRead | (writable ? LibC.ProtWrite : 0);
        nint address = LibC.mmap(0, (nuint)size, protection, LibC.MapShared, fd, fileOffset);
        if (address == LibC.MapFailed)
        {
            Errno errno = LibC.LastErrno();
            throw new HostDeviceException(errno, $"cannot map {size} bytes at offset 0x{fileOffset:x} of descriptor {fd.Fd}: {LibC.Describe(errno)}");
        }

        return new MappedArea(new MappingHandle(address, (nuint)size), areaOffset, size);
    }

    /// <summary>Unmaps; spans taken earlier must no longer be used.</summary>
    public void Dispose() => _mapping.Dispose();
}
