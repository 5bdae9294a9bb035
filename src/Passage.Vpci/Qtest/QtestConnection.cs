using System.Buffers;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Passage.Vpci.Machine;

namespace Passage.Vpci.Qtest;

/// <summary>
/// One client of a <see cref="QtestServer"/>: lines in, a <see cref="QtestSession"/> in between,
/// answers and MSI lines out through a bounded queue. A line longer than the cap is answered
/// <c>ERR</c> and the connection closed; a peer that leaves its queue full is closed. Nothing a
/// peer sends escapes as an exception.
/// </summary>
internal sealed class QtestConnection(Socket socket, VirtualMachine machine, int maxLineBytes, int queueLines, Action<string>? log) : IDisposable
{
    private readonly CancellationTokenSource _closing = new();
    private int _finished;

    /// <summary>Serves the peer until it closes, misbehaves, or <paramref name="cancellationToken"/> fires; then closes the socket.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var queue = Channel.CreateBounded<string>(new BoundedChannelOptions(queueLines) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        Task sending = Task.CompletedTask;
        try
        {
            using CancellationTokenRegistration stop = cancellationToken.Register(_closing.Cancel);
            using var writer = new LineChannelWriter(queue.Writer, Overflow);
            sending = SendAsync(queue.Reader, _closing.Token);
            using var session = new QtestSession(machine, writer);
            await ReceiveAsync(session, _closing.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Closed by the peer, by the server's shutdown, or for leaving its queue full.
        }
        catch (Exception e)
        {
            // A fault behind one connection must not reach the others.
            log?.Invoke($"qtest client closed after an internal error: {e.Message}");
        }
        finally
        {
            Volatile.Write(ref _finished, 1);
            queue.Writer.TryComplete();
            try
            {
                // Answers already queued still go out when the peer only half-closed.
                await sending.ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // The peer went away with answers still queued.
            }

            socket.Dispose();
        }
    }

    /// <summary>Releases the connection's cancellation source (after <see cref="RunAsync"/> ended).</summary>
    public void Dispose()
    {
        Volatile.Write(ref _finished, 1);
        _closing.Dispose();
        socket.Dispose();
    }

    private async Task ReceiveAsync(QtestSession session, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(maxLineBytes);
        try
        {
            int filled = 0;
            while (true)
            {
                int received = await socket.ReceiveAsync(buffer.AsMemory(filled, maxLineBytes - filled), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (received == 0)
                {
                    if (filled > 0)
                    {
                        // A last line without its newline still counts, as for TextReader.ReadLine.
                        session.Execute(Decode(buffer.AsSpan(0, filled)));
                    }

                    return;
                }

                int start = 0;
                int end = filled + received;
                int newline;
                while ((newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n')) >= 0)
                {
                    session.Execute(Decode(buffer.AsSpan(start, newline)));
                    start += newline + 1;
                }

                filled = end - start;
                if (filled == maxLineBytes)
                {
                    log?.Invoke($"qtest client closed: a line longer than {maxLineBytes} bytes");
                    session.Reject($"line longer than {maxLineBytes} bytes; closing");
                    return;
                }

                buffer.AsSpan(start, filled).CopyTo(buffer);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task SendAsync(ChannelReader<string> lines, CancellationToken cancellationToken)
    {
        var bytes = new ArrayBufferWriter<byte>(4096);
        while (await lines.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            bytes.ResetWrittenCount();
            while (bytes.WrittenCount < 64 * 1024 && lines.TryRead(out string? line))
            {
                Encoding.UTF8.GetBytes(line, bytes);
                bytes.Write("\n"u8);
            }

            ReadOnlyMemory<byte> pending = bytes.WrittenMemory;
            while (!pending.IsEmpty)
            {
                int sent = await socket.SendAsync(pending, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                pending = pending[sent..];
            }
        }
    }

    // Called under the session's output lock, possibly on the router thread: never throws, and
    // cancels asynchronously so no connection code runs on the caller's thread.
    private void Overflow()
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            return;
        }

        log?.Invoke($"qtest client closed: it left {queueLines} lines unread");
        try
        {
            _ = _closing.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
            // Already closed.
        }
    }

    // Invalid UTF-8 becomes U+FFFD: garbage is answered ERR like any unknown command.
    private static string Decode(ReadOnlySpan<byte> line) =>
        Encoding.UTF8.GetString(line.EndsWith((byte)'\r') ? line[..^1] : line);
}
