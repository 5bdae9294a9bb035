using Passage.Host.Linux;
using Passage.VfioUser.Protocol;
using Passage.VfioUser.Session;
using Passage.VfioUser.Transport;

namespace Passage.VfioUser.Client;

/// <summary>
/// The thread that serves the server's DMA_READ and DMA_WRITE on the twin socket (vfio-user.md §3,
/// §8 rule 7), so they never race the client's own requests on the main socket. The server closing
/// the socket or breaking the protocol on it is the loss of the whole connection.
/// </summary>
internal sealed class TwinSocketServer : IDisposable
{
    // A thread that does not end after the socket is shut down is left behind rather than waited for forever.
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(10);

    private readonly VfioUserConnection _connection;
    private readonly DmaRequestServer _dma;
    private readonly ConnectionLoss _loss;
    private readonly Thread _thread;

    public TwinSocketServer(UnixSocket socket, DmaWindowTable windows, ConnectionLoss loss, string name)
    {
        // The twin socket carries the server's commands one way and this side's replies the other.
        _connection = new VfioUserConnection(socket, VfioUserFrameKinds.Commands);
        _dma = new DmaRequestServer(windows, _connection);
        _loss = loss;
        _thread = new Thread(Run) { IsBackground = true, Name = $"vfio-user DMA {name}" };
    }

    /// <summary>Starts serving.</summary>
    public void Start() => _thread.Start();

    /// <summary>Shuts the socket down (the server sees the end of the stream); the thread ends on its own.</summary>
    public void Shutdown() => _connection.Dispose();

    /// <summary>Shuts the socket down and waits for the thread to end.</summary>
    public void Dispose()
    {
        _connection.Dispose();
        if (_thread.IsAlive && Thread.CurrentThread != _thread)
        {
            _thread.Join(JoinTimeout);
        }
    }

    private void Run()
    {
        try
        {
            while (true)
            {
                VfioUserReceiveStatus status = _connection.Receive(out VfioUserFrame frame, out FileDescriptorHandle[] fds, out VfioUserFrameError error);
                switch (status)
                {
                    case VfioUserReceiveStatus.Message:
                        _dma.Serve(frame, fds);
                        break;
                    case VfioUserReceiveStatus.Refused:
                        _connection.SendError(frame.Header, error.Errno);
                        break;
                    default:
                        _loss.Record("the server closed the twin socket");
                        return;
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // Shut down by this side: the client is being disposed or already lost.
        }
        catch (VfioUserProtocolException e)
        {
            _loss.Record($"the server broke the protocol on the twin socket: {e.Message}", e);
        }
        catch (TransportException e)
        {
            _loss.Record($"the twin socket failed: {e.Message}", e);
        }
    }
}
