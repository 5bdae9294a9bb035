namespace Passage.VfioUser.Client;

/// <summary>A DMA window over a block of managed or native memory the caller keeps alive while it is mapped.</summary>
internal sealed class MemoryDmaBuffer(Memory<byte> memory) : IDmaBuffer
{
    public bool TryRead(ulong offset, Span<byte> destination)
    {
        if (!Fits(offset, destination.Length))
        {
            return false;
        }

        memory.Span.Slice((int)offset, destination.Length).CopyTo(destination);
        return true;
    }

    public bool TryWrite(ulong offset, ReadOnlySpan<byte> source)
    {
        if (!Fits(offset, source.Length))
        {
            return false;
        }

        source.CopyTo(memory.Span.Slice((int)offset, source.Length));
        return true;
    }

    private bool Fits(ulong offset, int length) => offset <= (ulong)memory.Length && (ulong)length <= (ulong)memory.Length - offset;
}
