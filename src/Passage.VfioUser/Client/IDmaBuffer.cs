namespace Passage.VfioUser.Client;

/// <summary>
/// Client memory a server reaches only through DMA_READ and DMA_WRITE messages (a window mapped
/// without an fd, vfio-user.md §4): guest RAM that is not in a shareable file, or a test's buffer.
/// Offsets count from the start of the window; the client has checked them against its size.
/// Called from the thread that serves the server's DMA messages, concurrently with everything else.
/// </summary>
public interface IDmaBuffer
{
    /// <summary>Copies the window's bytes at <paramref name="offset"/> into <paramref name="destination"/>; false when they cannot be read (the server gets EINVAL).</summary>
    bool TryRead(ulong offset, Span<byte> destination);

    /// <summary>Stores <paramref name="source"/> at <paramref name="offset"/> in the window; false when it cannot be written (the server gets EINVAL).</summary>
    bool TryWrite(ulong offset, ReadOnlySpan<byte> source);
}
