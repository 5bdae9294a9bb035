using Passage.Host.Devices;

namespace Passage.VfioUser.Server;

/// <summary>Errno values of DMA access that <see cref="Errno"/> does not name (Linux numbering).</summary>
public static class VfioUserDmaErrno
{
    /// <summary>EFAULT (14): the range is not inside windows the client mapped for this kind of access.</summary>
    public const Errno Fault = (Errno)14;
}
