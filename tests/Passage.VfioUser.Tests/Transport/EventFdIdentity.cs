using Passage.Host.Linux;

namespace Passage.VfioUser.Tests.Transport;

/// <summary>Proves a received descriptor is the same kernel eventfd as one this test created.</summary>
internal static class EventFdIdentity
{
    /// <summary>Signals <paramref name="marker"/> through <paramref name="received"/>; <paramref name="original"/> must read exactly it.</summary>
    public static void AssertSameObject(EventFd original, FileDescriptorHandle received, ulong marker)
    {
        Assert.False(received.IsInvalid);
        Assert.Equal("anon_inode:[eventfd]", OpenDescriptors.Target(received.Fd));
        using EventFd copy = EventFd.FromDuplicate(received.Fd);
        copy.Signal(marker);
        Assert.True(original.TryRead(out ulong value), $"the eventfd behind descriptor {received.Fd} is not the expected one");
        Assert.Equal(marker, value);
    }
}
