using System.Buffers;

namespace Passage.Store.Tests.Support;

/// <summary>Builds a <see cref="ReadOnlySequence{T}"/> out of separate segments, as a pipe hands out bytes that arrived in pieces.</summary>
internal sealed class Segments : ReadOnlySequenceSegment<byte>
{
    private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    /// <summary>A sequence over <paramref name="bytes"/> cut at each of <paramref name="cuts"/> (ascending offsets; empty segments allowed).</summary>
    public static ReadOnlySequence<byte> Cut(byte[] bytes, params int[] cuts)
    {
        var first = new Segments(bytes.AsMemory(0, cuts.Length == 0 ? bytes.Length : cuts[0]), 0);
        Segments last = first;
        for (int i = 0; i < cuts.Length; i++)
        {
            int start = cuts[i];
            int end = i + 1 < cuts.Length ? cuts[i + 1] : bytes.Length;
            // Copy each piece so no two segments share memory, as separate receive buffers would not.
            var next = new Segments(bytes.AsSpan(start, end - start).ToArray(), start);
            last.Next = next;
            last = next;
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
