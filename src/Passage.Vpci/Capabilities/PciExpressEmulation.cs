using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Vpci.Config;
using Passage.Vpci.Function;

namespace Passage.Vpci.Capabilities;

/// <summary>
/// PCI Express as the guest sees it (vpci.md §4.1): the host's registers read-only, live, except
/// Device Control and Device Control 2, which are forwarded (the host's policy virtualizes MPS and
/// MRRS and blocks Phantom Functions and ARI Forwarding). Initiate FLR reads 0; writing it on a
/// function whose DevCap says FLR performs a virtual FLR and is not forwarded.
/// </summary>
internal static class PciExpressEmulation
{
    /// <summary>Registers the capability body at <paramref name="offset"/>.</summary>
    public static void Register(VirtualFunction function, int offset, RegisterGroup group)
    {
        ConfigSpace snapshot = function.HostSnapshot;
        int version = snapshot.Read16(offset + PciExpressCapability.CapabilitiesOffset) & 0xF;
        int end = Math.Min(offset + (version >= 2 ? PciExpressCapability.LengthV2 : PciExpressCapability.LengthV1), ConfigOffsets.ConventionalSize);
        bool flr = (snapshot.Read32(offset + PciExpressCapability.DeviceCapabilitiesOffset) & PciExpressCapability.FlrCapable) != 0;
        HostConfig host = function.Host;
        int devCtl = offset + PciExpressCapability.DeviceControlOffset;
        int devCtl2 = offset + PciExpressCapability.DeviceControl2Offset;

        group.AddPassthrough(host, offset + PciExpressCapability.CapabilitiesOffset, devCtl, writable: false);
        group.Add(new RegisterDescriptor
        {
            Offset = devCtl,
            Size = 2,
            Read = (at, _) => host.Read(at, 2) & ~(uint)PciExpressCapability.InitiateFlr,
            Write = (at, value, _) =>
            {
                host.Write(at, 2, value & ~(uint)PciExpressCapability.InitiateFlr);
                if ((value & PciExpressCapability.InitiateFlr) != 0 && flr)
                {
                    function.FunctionLevelReset();
                }
            },
        });
        if (end <= devCtl2)
        {
            group.AddPassthrough(host, devCtl + 2, end, writable: false);
            return;
        }

        group.AddPassthrough(host, devCtl + 2, devCtl2, writable: false);
        group.AddPassthrough(host, devCtl2, devCtl2 + 2, writable: true);
        group.AddPassthrough(host, devCtl2 + 2, end, writable: false);
    }
}
