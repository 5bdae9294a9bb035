using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Server;

/// <summary>
/// One DMA window of a client: its range and access, and, when the client gave an fd, the fd and
/// its shared mapping (in pieces of at most 1 GiB, since one span addresses at most 2 GiB; guest
/// RAM windows are larger). Disposing unmaps and closes the fd.
/// </summary>
internal sealed class DmaWindow : IDisposable
{
    private const ulong ChunkSize = 1UL << 30;

    private readonly FileDescriptorHandle? _file;
    private readonly MappedArea[] _chunks;

    private DmaWindow(in VfioUserDmaMap map, FileDescriptorHandle? file, MappedArea[] chunks)
    {
        Address = map.Address;
        Size = map.Size;
        Flags = map.Flags;
        FileOffset = file is null ? 0 : map.Offset;
        _file = file;
        _chunks = chunks;
    }

    public ulong Address { get; }

    public ulong Size { get; }

    /// <summary>One past the last byte; the codec refuses windows whose end wraps.</summary>
    public ulong End => Address + Size;

    public VfioUserDmaMapFlags Flags { get; }

    public ulong FileOffset { get; }

    public bool IsMapped => _file is not null;

    /// <summary>
    /// The window for <paramref name="map"/>, mapping <paramref name="file"/> when there is one
    /// (writable only when the device may write). Takes ownership of <paramref name="file"/>, which
    /// is closed when the window cannot be made.
    /// </summary>
    /// <exception cref="HostDeviceException">The fd is not a regular file covering the window (EINVAL), or mmap failed.</exception>
    public static DmaWindow Create(in VfioUserDmaMap map, FileDescriptorHandle? file)
    {
        if (file is null)
        {
            return new DmaWindow(map, null, []);
        }

        var chunks = new List<MappedArea>();
        try
        {
            if (DmaFile.Check(file, map.Offset, map.Size) != Errno.None)
            {
                throw new HostDeviceException(Errno.EINVAL, $"the fd of DMA window 0x{map.Address:x}+0x{map.Size:x} is not a regular file holding offset 0x{map.Offset:x}+0x{map.Size:x}");
            }

            bool writable = (map.Flags & VfioUserDmaMapFlags.Write) != 0;
            for (ulong at = 0; at < map.Size; at += ChunkSize)
            {
                ulong length = Math.Min(ChunkSize, map.Size - at);
                chunks.Add(MappedArea.Map(file, checked((long)(map.Offset + at)), length, writable, at));
            }

            return new DmaWindow(map, file, [.. chunks]);
        }
        catch (Exception e) when (e is HostDeviceException or OverflowException)
        {
            foreach (MappedArea chunk in chunks)
            {
                chunk.Dispose();
            }

            file.Dispose();
            throw e as HostDeviceException ?? new HostDeviceException(Errno.EINVAL, $"DMA window offset 0x{map.Offset:x} is beyond what a file offset can be");
        }
    }

    public bool Contains(ulong address) => address >= Address && address < End;

    public bool Allows(bool write) => (Flags & (write ? VfioUserDmaMapFlags.Write : VfioUserDmaMapFlags.Read)) != 0;

    /// <summary>Copies from the mapping at <paramref name="offset"/> in the window (the range lies inside it).</summary>
    public void Read(ulong offset, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            MappedArea chunk = _chunks[(int)(offset / ChunkSize)];
            int inChunk = (int)(offset % ChunkSize);
            int length = (int)Math.Min((ulong)destination.Length, chunk.Size - (ulong)inChunk);
            chunk.Span.Slice(inChunk, length).CopyTo(destination);
            destination = destination[length..];
            offset += (ulong)length;
        }
    }

    /// <summary>Copies into the mapping at <paramref name="offset"/> in the window (the range lies inside it).</summary>
    public void Write(ulong offset, ReadOnlySpan<byte> source)
    {
        while (!source.IsEmpty)
        {
            MappedArea chunk = _chunks[(int)(offset / ChunkSize)];
            int inChunk = (int)(offset % ChunkSize);
            int length = (int)Math.Min((ulong)source.Length, chunk.Size - (ulong)inChunk);
            source[..length].CopyTo(chunk.Span.Slice(inChunk, length));
            source = source[length..];
            offset += (ulong)length;
        }
    }

    public VfioUserDmaWindow Describe() => new(Address, Size, Flags, IsMapped, FileOffset);

    public void Dispose()
    {
        foreach (MappedArea chunk in _chunks)
        {
            chunk.Dispose();
        }

        _file?.Dispose();
    }
}
