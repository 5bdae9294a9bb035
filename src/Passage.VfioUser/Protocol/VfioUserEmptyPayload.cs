using Passage.Host.Devices;

namespace Passage.VfioUser.Protocol;

/// <summary>
/// Messages without a payload (vfio-user.md §4): DEVICE_RESET and its reply, and the replies to
/// DMA_MAP, SET_IRQS and MIG_DATA_WRITE.
/// </summary>
public static class VfioUserEmptyPayload
{
    /// <summary>EINVAL unless <paramref name="payload"/> is empty.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out Errno error)
    {
        error = payload.IsEmpty ? Errno.None : Errno.EINVAL;
        return payload.IsEmpty;
    }
}
