using Passage.Host.Linux;

namespace Passage.VfioUser.Transport;

/// <summary>
/// Accumulates the bytes received on one stream and the fds that came with them, so the layer
/// above can frame messages at its own pace: it looks at <see cref="Pending"/>, asks the frame
/// decoder how long the next message is, and once that many bytes are here calls
/// <see cref="Consume"/>, which hands over exactly that message's fds (<see cref="FdQueue"/>).
/// Not thread-safe: it belongs to the connection's reader.
/// </summary>
public sealed class ReceiveBuffer : IDisposable
{
    /// <summary>The default initial capacity: 64 KiB.</summary>
    public const int DefaultInitialCapacity = 64 * 1024;

    /// <summary>The default bound: 4 MiB, well above the largest vfio-user message (1 MiB of data plus headers).</summary>
    public const int DefaultMaxCapacity = 4 * 1024 * 1024;

    private readonly FdQueue _fds = new();
    private readonly int _maxCapacity;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private long _position;

    /// <summary>Creates an empty buffer that grows from <paramref name="initialCapacity"/> to at most <paramref name="maxCapacity"/> bytes.</summary>
    public ReceiveBuffer(int initialCapacity = DefaultInitialCapacity, int maxCapacity = DefaultMaxCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(initialCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCapacity, initialCapacity);
        _buffer = new byte[initialCapacity];
        _maxCapacity = maxCapacity;
    }

    /// <summary>The stream offset of the first pending byte (bytes consumed so far).</summary>
    public long Position => _position;

    /// <summary>The bytes received and not yet consumed.</summary>
    public ReadOnlySpan<byte> Pending => _buffer.AsSpan(_start, _end - _start);

    /// <summary>The fds received and not yet handed over or closed.</summary>
    public int PendingFds => _fds.Count;

    /// <summary>
    /// Receives once from <paramref name="socket"/> into free space (growing the buffer when it is
    /// full, up to its bound) and records the fds that came with the bytes.
    /// </summary>
    /// <returns>The bytes received; 0 when the peer closed its end.</returns>
    /// <exception cref="InvalidOperationException">The buffer is at its bound and full: no message fits.</exception>
    /// <exception cref="TransportException">The receive failed (a <see cref="TransportProtocolException"/> for too many fds).</exception>
    public int ReceiveFrom(UnixSocket socket, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(socket);
        Span<byte> free = MakeRoom();
        int received = socket.Receive(free, out FileDescriptorHandle[] fds, cancellationToken);
        Record(received, fds);
        return received;
    }

    /// <summary>
    /// Appends the bytes of one read that happened elsewhere and the fds that read delivered (a
    /// transport of another kind, or a test); the buffer owns the fds from now on.
    /// </summary>
    /// <exception cref="InvalidOperationException">The bytes do not fit within the buffer's bound.</exception>
    public void Append(ReadOnlySpan<byte> bytes, FileDescriptorHandle[] fds)
    {
        ArgumentNullException.ThrowIfNull(fds);
        try
        {
            _ = MakeRoom(bytes.Length);
        }
        catch
        {
            FileDescriptorHandle.DisposeAll(fds);

            throw;
        }

        bytes.CopyTo(_buffer.AsSpan(_end));
        Record(bytes.Length, fds);
    }

    /// <summary>
    /// Consumes one message of <paramref name="length"/> bytes from the start of <see cref="Pending"/>
    /// and returns the fds that arrived with it (the caller owns them); fds that can no longer belong
    /// to any later message are closed.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative or more than is pending.</exception>
    public FileDescriptorHandle[] Consume(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _end - _start);
        FileDescriptorHandle[] fds = _fds.Take(_position, length);
        _start += length;
        _position += length;
        if (_start == _end)
        {
            _start = _end = 0;
        }

        return fds;
    }

    /// <summary>Closes every fd still held.</summary>
    public void Dispose() => _fds.Dispose();

    private void Record(int received, FileDescriptorHandle[] fds)
    {
        long readStart = _position + (_end - _start);
        _fds.Add(readStart, received, fds);
        _end += received;
    }

    private Span<byte> MakeRoom(int wanted = 1)
    {
        if (_buffer.Length - _end >= wanted)
        {
            return _buffer.AsSpan(_end);
        }

        int pending = _end - _start;
        if (_start > 0 && _buffer.Length - pending >= wanted)
        {
            // Slide the pending bytes to the front; their stream offsets do not change.
            _buffer.AsSpan(_start, pending).CopyTo(_buffer);
            _start = 0;
            _end = pending;
            return _buffer.AsSpan(_end);
        }

        long needed = (long)pending + wanted;
        if (needed > _maxCapacity)
        {
            throw new InvalidOperationException(
                $"the receive buffer holds {pending} bytes and is bounded at {_maxCapacity}: no message of this stream fits");
        }

        int capacity = (int)Math.Min(Math.Max((long)_buffer.Length * 2, needed), _maxCapacity);
        byte[] larger = new byte[capacity];
        _buffer.AsSpan(_start, pending).CopyTo(larger);
        _buffer = larger;
        _start = 0;
        _end = pending;
        return _buffer.AsSpan(_end);
    }
}
