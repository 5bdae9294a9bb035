using Passage.Host.Devices;

namespace Passage.Host.Tests;

/// <summary>Errno values cross VFIO and vfio-user unchanged: they are Linux x86-64's and must never move.</summary>
public sealed class ErrnoTests
{
    [Theory]
    [InlineData(Errno.None, 0)]
    [InlineData(Errno.EPERM, 1)]
    [InlineData(Errno.ENOENT, 2)]
    [InlineData(Errno.EIO, 5)]
    [InlineData(Errno.EBADF, 9)]
    [InlineData(Errno.EAGAIN, 11)]
    [InlineData(Errno.ENOMEM, 12)]
    [InlineData(Errno.EBUSY, 16)]
    [InlineData(Errno.EEXIST, 17)]
    [InlineData(Errno.ENODEV, 19)]
    [InlineData(Errno.EINVAL, 22)]
    [InlineData(Errno.ENOTTY, 25)]
    [InlineData(Errno.ENOSPC, 28)]
    [InlineData(Errno.ENOSYS, 38)]
    public void Value_IsLinuxNumbering(Errno errno, int expected) => Assert.Equal(expected, (int)errno);

    [Fact]
    public void Names_AreAllFrozen() => Assert.Equal(14, Enum.GetValues<Errno>().Length);
}
