using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Client;

/// <summary>How a <see cref="VfioUserClient"/> talks to its server.</summary>
public sealed record VfioUserClientOptions
{
    /// <summary>The defaults: REGION_WRITE data capped at 32 KiB.</summary>
    public static VfioUserClientOptions Default { get; } = new();

    /// <summary>
    /// The most data one REGION_WRITE carries (1 byte to 1 MiB; never more than the server's
    /// <c>max_data_xfer_size</c> either). The default, 32 KiB, is what a libvfio-user server reads
    /// reliably (vfio-user.md §8 rule 2); a server that reads every body whole (Passage's) takes more.
    /// </summary>
    public int MaxWriteSize
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, VfioUserLimits.MaxDataTransfer);
            field = value;
        }
    } = VfioUserLimits.LibVfioUserMaxWrite;
}
