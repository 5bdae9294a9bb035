using Passage.Host.Linux;

namespace Passage.VfioUser.Transport;

/// <summary>Blocks the calling thread in <c>poll</c> until a socket is ready or a <see cref="Wakeup"/> fires.</summary>
internal static unsafe class Readiness
{
    /// <summary>
    /// Waits until <paramref name="socket"/> reports <paramref name="events"/> (or an error or hang-up,
    /// which the next call on the socket reports), or <paramref name="wakeup"/> is signalled.
    /// </summary>
    /// <returns>True when the socket is ready; false when the wakeup fired (it is reset).</returns>
    public static bool Wait(FileDescriptorHandle socket, short events, Wakeup? wakeup)
    {
        bool socketAdded = false;
        bool wakeupAdded = false;
        try
        {
            socket.DangerousAddRef(ref socketAdded);
            wakeup?.Handle.DangerousAddRef(ref wakeupAdded);
            SocketCalls.PollFd* fds = stackalloc SocketCalls.PollFd[2];
            fds[0] = new SocketCalls.PollFd { Fd = socket.Fd, Events = events };
            fds[1] = new SocketCalls.PollFd { Fd = wakeupAdded ? wakeup!.Handle.Fd : -1, Events = SocketCalls.PollIn };
            while (true)
            {
                // Sound: poll reads and writes the two pollfd entries on this frame during the call;
                // both descriptors are kept open by the references taken above. A negative fd is ignored.
                int ready = SocketCalls.poll(fds, 2, -1);
                if (ready < 0)
                {
                    int errno = SocketCalls.LastError();
                    if (errno == SocketCalls.EIntr)
                    {
                        continue;
                    }

                    throw TransportException.FromErrno(errno, $"cannot wait for socket {socket.Fd}");
                }

                if (fds[1].Revents != 0)
                {
                    wakeup!.Reset();
                    return false;
                }

                if (fds[0].Revents != 0)
                {
                    return true;
                }
            }
        }
        finally
        {
            if (wakeupAdded)
            {
                wakeup!.Handle.DangerousRelease();
            }

            if (socketAdded)
            {
                socket.DangerousRelease();
            }
        }
    }
}
