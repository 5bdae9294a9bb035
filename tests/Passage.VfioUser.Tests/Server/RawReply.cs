using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Server;

/// <summary>A reply as the raw client received it: header, a copy of the payload, and the fds (closed on dispose unless taken).</summary>
internal sealed class RawReply(VfioUserHeader header, byte[] payload, FileDescriptorHandle[] fds) : IDisposable
{
    public VfioUserHeader Header { get; } = header;

    public byte[] Payload { get; } = payload;

    public FileDescriptorHandle[] Fds { get; } = fds;

    /// <summary>The failure errno, or <see cref="Errno.None"/> for a successful reply.</summary>
    public Errno Errno => VfioUserErrorReply.ErrnoOf(Header);

    public string Hex => Convert.ToHexString(Payload);

    public void Dispose()
    {
        foreach (FileDescriptorHandle fd in Fds)
        {
            fd.Dispose();
        }
    }
}
