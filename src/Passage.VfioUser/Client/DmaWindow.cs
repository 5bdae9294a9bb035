namespace Passage.VfioUser.Client;

/// <summary>
/// One DMA window the client mapped: [<paramref name="Address"/>, + <paramref name="Size"/>) of its
/// DMA space, served from <paramref name="Buffer"/> when the server got no fd for it.
/// </summary>
/// <param name="Address">First address of the window.</param>
/// <param name="Size">Length in bytes (not 0).</param>
/// <param name="Buffer">The memory behind DMA_READ/DMA_WRITE; null for a window the server mapped from an fd.</param>
/// <param name="Writable">The device may write the window.</param>
internal sealed record DmaWindow(ulong Address, ulong Size, IDmaBuffer? Buffer, bool Writable)
{
    /// <summary>The last address in the window.</summary>
    public ulong Last => Address + (Size - 1);

    /// <summary>Whether the window and [<paramref name="address"/>, + <paramref name="size"/>) share an address.</summary>
    public bool Overlaps(ulong address, ulong size) => address <= Last && Address <= address + (size - 1);
}
