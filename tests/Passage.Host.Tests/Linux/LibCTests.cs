using Passage.Host.Devices;
using Passage.Host.Linux;

namespace Passage.Host.Tests.Linux;

public sealed class LibCTests
{
    // Raw errno values and what the contract sees.
    [Theory]
    [InlineData(2, Errno.ENOENT)] // a named value maps to its name
    [InlineData(25, Errno.ENOTTY)] // ioctl on the wrong kind of fd
    [InlineData(13, (Errno)13)] // EACCES has no name here but keeps its number
    [InlineData(95, (Errno)95)] // EOPNOTSUPP likewise
    [InlineData(0, Errno.EIO)] // a failure without errno is still a failure
    public void ToErrno_RawValue_MapsAndKeepsTheNumber(int raw, Errno expected) => Assert.Equal(expected, LibC.ToErrno(raw));

    [Fact]
    public void Open_MissingFile_ReportsEnoentThroughLastErrno()
    {
        using FileDescriptorHandle handle = LibC.open("/nonexistent/passage/" + Guid.NewGuid().ToString("N"), LibC.ORdonly | LibC.OCloexec);

        Errno errno = LibC.LastErrno();

        Assert.True(handle.IsInvalid);
        Assert.Equal(Errno.ENOENT, errno);
    }

    [Fact]
    public void DuplicateCloseOnExec_OfAnOpenFd_GivesAnOwnedCloseOnExecCopy()
    {
        using MemFdMemory memory = MemFdMemory.Create(4096);

        using FileDescriptorHandle copy = LibC.DuplicateCloseOnExec(memory.Fd);

        // F_GETFD = 1 reports FD_CLOEXEC = 1.
        Assert.False(copy.IsInvalid);
        Assert.NotEqual(memory.Fd, copy.Fd);
        Assert.Equal(1, LibC.fcntl(copy.Fd, 1, 0) & 1);
    }

    [Fact]
    public void DuplicateCloseOnExec_BadDescriptor_IsInvalidWithEbadf()
    {
        using FileDescriptorHandle copy = LibC.DuplicateCloseOnExec(-1);

        Errno errno = LibC.LastErrno();

        Assert.True(copy.IsInvalid);
        Assert.Equal(Errno.EBADF, errno);
    }

    [Fact]
    public void Dup_OfAnOpenFd_SharesTheFile()
    {
        using MemFdMemory memory = MemFdMemory.Create(4096);
        memory.Span[0] = 0x3C;

        using FileDescriptorHandle copy = LibC.dup(memory.Fd);

        Assert.False(copy.IsInvalid);
        Assert.Equal(0x3C, File.ReadAllBytes($"/proc/self/fd/{copy.Fd}")[0]);
    }
}
