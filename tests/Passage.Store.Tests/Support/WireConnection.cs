using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Passage.Store.Protocol;

namespace Passage.Store.Tests.Support;

/// <summary>A raw XenStore connection for wire tests: sends bytes, reads whole frames.</summary>
internal sealed class WireConnection : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly IDuplexPipe _pipe;
    private readonly Socket? _socket;

    private WireConnection(IDuplexPipe pipe, Socket? socket)
    {
        _pipe = pipe;
        _socket = socket;
    }

    public static async Task<WireConnection> ConnectAsync(string path, CancellationToken cancellationToken)
    {
        Socket socket = await ConnectSocketAsync(path, cancellationToken);
        var stream = new NetworkStream(socket, ownsSocket: false);
        return new WireConnection(new Pipe(PipeReader.Create(stream), PipeWriter.Create(stream)), socket);
    }

    public static async Task<Socket> ConnectSocketAsync(string path, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
        return socket;
    }

    public static WireConnection Over(IDuplexPipe pipe) => new(pipe, null);

    public async Task SendAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        await _pipe.Output.WriteAsync(bytes, cancellationToken);
    }

    /// <summary>The next frame, or null when the server closed the connection.</summary>
    public async Task<(XsHeader Header, byte[] Payload)?> ReadFrameAsync(CancellationToken cancellationToken)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        patience.CancelAfter(Patience);
        while (true)
        {
            ReadResult result = await _pipe.Input.ReadAsync(patience.Token);
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (XsFrameDecoder.Decode(buffer, out XsHeader header, out ReadOnlySequence<byte> payload, out SequencePosition end) == XsFrameStatus.Frame)
            {
                byte[] bytes = payload.ToArray();
                _pipe.Input.AdvanceTo(end);
                return (header, bytes);
            }

            _pipe.Input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return null;
            }
        }
    }

    /// <summary>True when a reply or event is already waiting, without waiting for one.</summary>
    public bool HasBytesWaiting()
    {
        if (_socket is not null)
        {
            return _socket.Available > 0;
        }

        if (_pipe.Input.TryRead(out ReadResult result))
        {
            bool any = !result.Buffer.IsEmpty;
            _pipe.Input.AdvanceTo(result.Buffer.Start);
            return any;
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        await _pipe.Output.CompleteAsync();
        await _pipe.Input.CompleteAsync();
        _socket?.Dispose();
    }

    private sealed record Pipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
