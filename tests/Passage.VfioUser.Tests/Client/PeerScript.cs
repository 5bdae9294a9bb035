using Passage.Host.Devices;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Client;

/// <summary>How a scripted peer answers: the VERSION terms, the device it describes, and a hook that may answer any request first.</summary>
internal sealed class PeerScript
{
    /// <summary>The minor version answered.</summary>
    public ushort Minor { get; init; } = 2;

    /// <summary>The capabilities answered (the twin socket is added when <see cref="GrantTwinSocket"/>).</summary>
    public VersionCapabilities Capabilities { get; init; } = new() { MaxMsgFds = 8, MaxDataXferSize = VfioUserLimits.MaxDataTransfer };

    /// <summary>Make a socket pair and send one end with the VERSION reply at fd index 0.</summary>
    public bool GrantTwinSocket { get; init; } = true;

    public DeviceFlags DeviceFlags { get; init; } = DeviceFlags.Reset | DeviceFlags.Pci;

    /// <summary>The regions, by index (the peer disposes them).</summary>
    public List<PeerRegion> Regions { get; init; } = PeerRegion.StandardDevice();

    public IReadOnlyList<IrqInfo> Irqs { get; init; } =
    [
        new(VfioIrq.Intx, IrqInfoFlags.Eventfd | IrqInfoFlags.Maskable | IrqInfoFlags.Automasked, 1),
        new(VfioIrq.Msi, IrqInfoFlags.Eventfd | IrqInfoFlags.NoResize, 1),
        new(VfioIrq.Msix, IrqInfoFlags.Eventfd | IrqInfoFlags.NoResize, 16),
        new(VfioIrq.Err, IrqInfoFlags.Eventfd, 1),
        new(VfioIrq.Req, IrqInfoFlags.Eventfd, 1),
    ];

    /// <summary>Answers a request before the defaults do; null leaves it to them.</summary>
    public Func<PeerRequest, PeerReply?>? Override { get; init; }
}
