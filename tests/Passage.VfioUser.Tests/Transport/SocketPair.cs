using Passage.Host.Linux;
using Passage.VfioUser.Transport;

namespace Passage.VfioUser.Tests.Transport;

/// <summary>Both ends of <see cref="UnixSocket.Pair(UnixSocketOptions?)"/>, disposed together, with receive helpers.</summary>
internal sealed class SocketPair : IDisposable
{
    public static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    public SocketPair(UnixSocketOptions? options = null) => (A, B) = UnixSocket.Pair(options);

    public UnixSocket A { get; }

    public UnixSocket B { get; }

    /// <summary>Receives until exactly <paramref name="count"/> bytes have arrived; fds of every read are added to <paramref name="fds"/> (or closed when null).</summary>
    public static byte[] ReceiveExactly(UnixSocket socket, int count, List<FileDescriptorHandle>? fds = null)
    {
        byte[] bytes = new byte[count];
        int received = 0;
        while (received < count)
        {
            int n = socket.Receive(bytes.AsSpan(received), out FileDescriptorHandle[] arrived, TestContext.Current.CancellationToken);
            if (fds is null)
            {
                foreach (FileDescriptorHandle fd in arrived)
                {
                    fd.Dispose();
                }
            }
            else
            {
                fds.AddRange(arrived);
            }

            Assert.True(n > 0, $"the stream ended after {received} of {count} bytes");
            received += n;
        }

        return bytes;
    }

    /// <summary>Runs <paramref name="body"/> on a thread of its own (it may block for long).</summary>
    public static Task<T> OnOwnThread<T>(Func<T> body) =>
        Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }
}
