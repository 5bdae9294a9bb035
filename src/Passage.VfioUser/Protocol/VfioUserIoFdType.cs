namespace Passage.VfioUser.Protocol;

/// <summary>The kind of one GET_REGION_IO_FDS entry (vfio-user.md §5). Wire numbers: frozen.</summary>
public enum VfioUserIoFdType : uint
{
    /// <summary>A KVM ioeventfd.</summary>
    Ioeventfd = 0,

    /// <summary>A KVM ioregionfd.</summary>
    Ioregionfd = 1,

    /// <summary>libvfio-user's shadow ioeventfd (48-byte entries only).</summary>
    ShadowIoeventfd = 2,
}
