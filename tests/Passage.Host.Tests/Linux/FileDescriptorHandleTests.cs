using Passage.Host.Devices;
using Passage.Host.Linux;

namespace Passage.Host.Tests.Linux;

public sealed class FileDescriptorHandleTests
{
    [Fact]
    public void Duplicate_OfAnOpenFdNumber_GivesAnOwnedCloseOnExecCopyOfTheSameFile()
    {
        using MemFdMemory memory = MemFdMemory.Create(4096);
        memory.Span[3] = 0x5D;

        using FileDescriptorHandle copy = FileDescriptorHandle.Duplicate(memory.Fd);

        // F_GETFD = 1 reports FD_CLOEXEC = 1.
        Assert.NotEqual(memory.Fd, copy.Fd);
        Assert.Equal(1, LibC.fcntl(copy.Fd, 1, 0) & 1);
        Assert.Equal(0x5D, File.ReadAllBytes($"/proc/self/fd/{copy.Fd}")[3]);
    }

    [Fact]
    public void Duplicate_NegativeFdNumber_ThrowsEbadf()
    {
        var e = Assert.Throws<HostDeviceException>(() => FileDescriptorHandle.Duplicate(-1));

        Assert.Equal(Errno.EBADF, e.Errno);
    }

    [Fact]
    public void Duplicate_OfAnOpenHandle_LeavesTheOriginalOpen()
    {
        using MemFdMemory memory = MemFdMemory.Create(4096);
        using FileDescriptorHandle original = FileDescriptorHandle.Duplicate(memory.Fd);

        using FileDescriptorHandle copy = original.Duplicate();

        Assert.False(original.IsClosed);
        Assert.NotEqual(original.Fd, copy.Fd);
        Assert.Equal(1, LibC.fcntl(copy.Fd, 1, 0) & 1);
    }
}
