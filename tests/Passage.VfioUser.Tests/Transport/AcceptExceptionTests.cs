using Passage.Host.Devices;
using Passage.VfioUser.Transport;

namespace Passage.VfioUser.Tests.Transport;

public sealed class AcceptExceptionTests
{
    [Theory]
    [InlineData(103, AcceptErrorKind.Transient)] // ECONNABORTED: the client left before accept
    [InlineData(71, AcceptErrorKind.Transient)] // EPROTO
    [InlineData(1, AcceptErrorKind.Transient)] // EPERM: refused by policy, for this connection only
    [InlineData(100, AcceptErrorKind.Transient)] // ENETDOWN: accept(2) says retry
    [InlineData(24, AcceptErrorKind.ResourcePressure)] // EMFILE: this process is out of descriptors
    [InlineData(23, AcceptErrorKind.ResourcePressure)] // ENFILE: the system is
    [InlineData(105, AcceptErrorKind.ResourcePressure)] // ENOBUFS
    [InlineData(12, AcceptErrorKind.ResourcePressure)] // ENOMEM
    [InlineData(9, AcceptErrorKind.Fatal)] // EBADF: the listener is gone
    [InlineData(22, AcceptErrorKind.Fatal)] // EINVAL: not listening
    [InlineData(88, AcceptErrorKind.Fatal)] // ENOTSOCK
    [InlineData(14, AcceptErrorKind.Fatal)] // EFAULT
    public void Classify_Errno_GivesWhatTheAcceptLoopDoes(int errno, AcceptErrorKind expected)
    {
        Assert.Equal(expected, AcceptException.Classify((Errno)errno));
        Assert.Equal(expected, new AcceptException((Errno)errno, "accept failed").Kind);
    }

    [Fact]
    public void Constructor_Errno_KeptAndNamedInTheMessage()
    {
        var e = new AcceptException((Errno)24, "cannot accept");

        Assert.Equal((Errno)24, e.Errno);
        Assert.Contains("errno 24", e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<IOException>(e);
    }
}
