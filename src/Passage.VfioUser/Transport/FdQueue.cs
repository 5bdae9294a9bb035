using Passage.Host.Linux;

namespace Passage.VfioUser.Transport;

/// <summary>
/// The fds received on one stream, each batch recorded with the stream range of the read that
/// delivered it, so the layer that frames messages can hand every message exactly its fds.
/// </summary>
/// <remarks>
/// <para>
/// The kernel attaches <c>SCM_RIGHTS</c> to the first byte of the <c>sendmsg</c> that carried them,
/// which is the first byte of a message (one message per <c>sendmsg</c>, vfio-user.md §7). A stream
/// <c>recvmsg</c> may return bytes of several sends, but it stops right after the one whose fds it
/// returns: it never carries two batches, and every byte it read after the start of the fd-carrying
/// send belongs to that send. So a batch belongs to the message that starts <em>last</em> within the
/// read's range: the message [start, start + length) owns the batch read as [readStart, readEnd)
/// exactly when readStart ≤ start &lt; readEnd and start + length ≥ readEnd.
/// </para>
/// <para>
/// Messages are claimed in stream order. A batch whose range lies entirely before the end of the
/// last claimed message can no longer be claimed (a peer attached fds in the middle of a message)
/// and is closed.
/// </para>
/// </remarks>
public sealed class FdQueue : IDisposable
{
    private readonly Queue<Batch> _batches = new();
    private long _receivedEnd;
    private long _claimedEnd;
    private int _count;
    private bool _disposed;

    /// <summary>The fds held: received, not yet claimed by a message and not yet closed.</summary>
    public int Count => _count;

    /// <summary>
    /// Records the fds delivered by the read that received the stream bytes
    /// [<paramref name="readStart"/>, <paramref name="readStart"/> + <paramref name="readLength"/>);
    /// the queue owns them from now on. Reads are recorded in stream order.
    /// </summary>
    /// <exception cref="ArgumentException">The read overlaps or precedes an earlier one, or is empty while fds came with it.</exception>
    public void Add(long readStart, int readLength, FileDescriptorHandle[] fds)
    {
        ArgumentNullException.ThrowIfNull(fds);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ArgumentOutOfRangeException.ThrowIfNegative(readLength);
            if (readStart < _receivedEnd)
            {
                throw new ArgumentException($"read at {readStart} overlaps the stream already recorded up to {_receivedEnd}", nameof(readStart));
            }

            if (fds.Length > 0 && readLength == 0)
            {
                throw new ArgumentException("fds arrive with at least one byte", nameof(readLength));
            }
        }
        catch
        {
            // The queue was given the fds: a refused batch must not leak them.
            FileDescriptorHandle.DisposeAll(fds);
            throw;
        }

        _receivedEnd = readStart + readLength;
        if (fds.Length == 0)
        {
            return;
        }

        _batches.Enqueue(new Batch(readStart, _receivedEnd, fds));
        _count += fds.Length;
    }

    /// <summary>
    /// Hands over the fds that arrived with the message [<paramref name="messageStart"/>,
    /// <paramref name="messageStart"/> + <paramref name="messageLength"/>) (empty when none) and closes
    /// every fd that can no longer belong to a later message. Call once per message, in stream order.
    /// </summary>
    /// <returns>The message's fds, owned by the caller.</returns>
    /// <exception cref="ArgumentException">The message starts before the end of the last one claimed.</exception>
    public FileDescriptorHandle[] Take(long messageStart, int messageLength)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(messageLength);
        if (messageStart < _claimedEnd)
        {
            throw new ArgumentException($"message at {messageStart} starts before the end of the last one taken ({_claimedEnd})", nameof(messageStart));
        }

        long messageEnd = messageStart + messageLength;
        _claimedEnd = messageEnd;
        FileDescriptorHandle[] claimed = [];
        while (_batches.TryPeek(out Batch batch) && batch.End <= messageEnd)
        {
            _batches.Dequeue();
            _count -= batch.Fds.Length;
            if (batch.Start <= messageStart && messageStart < batch.End)
            {
                // The message starts in this read and runs to its end or beyond: it started last.
                claimed = batch.Fds;
            }
            else
            {
                // Every message that could have owned this batch has been taken without it.
                FileDescriptorHandle.DisposeAll(batch.Fds);
            }
        }

        return claimed;
    }

    /// <summary>Closes every fd still held.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        while (_batches.TryDequeue(out Batch batch))
        {
            FileDescriptorHandle.DisposeAll(batch.Fds);
        }

        _count = 0;
    }


    private readonly record struct Batch(long Start, long End, FileDescriptorHandle[] Fds);
}
