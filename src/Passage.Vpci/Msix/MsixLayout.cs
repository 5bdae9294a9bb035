using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Vpci.Bars;

namespace Passage.Vpci.Msix;

/// <summary>
/// Where a function's MSI-X structures live, validated (vpci.md §7.1): N entries, the table and the
/// PBA each inside a memory BAR the guest is offered. A PBA the hardware reports beyond its BAR is
/// moved for devices known to do that (the guest then sees the fixed offset and a purely emulated PBA).
/// </summary>
/// <param name="Vectors">Table entries (N).</param>
/// <param name="TableBar">BAR holding the table.</param>
/// <param name="TableOffset">Table offset within it.</param>
/// <param name="PbaBar">BAR holding the PBA.</param>
/// <param name="PbaOffset">PBA offset within it (after any fixup).</param>
/// <param name="PbaFixedUp">The PBA offset was corrected: the host's PBA is not at that place, so only emulated bits are shown.</param>
internal sealed record MsixLayout(int Vectors, int TableBar, ulong TableOffset, int PbaBar, ulong PbaOffset, bool PbaFixedUp)
{
    // Devices whose PBA offset lies beyond the BAR, and where it really is (QEMU's quirks).
    private static readonly (ushort Vendor, ushort DeviceMask, ushort Device, ulong PbaOffset, string Name)[] PbaFixups =
    [
        (0x1425, 0xFF00, 0x5800, 0x1000, "Chelsio T5 VF"),
        (0x1D22, 0xFFFF, 0x3685, 0xB400, "Baidu Kunlun VF"),
    ];

    /// <summary>Bytes the table spans (16·N).</summary>
    public ulong TableBytes => (ulong)Vectors * MsixCapability.EntrySize;

    /// <summary>Bytes the PBA spans (⌈N/64⌉·8).</summary>
    public ulong PbaBytes => (ulong)((Vectors + 63) / 64) * 8;

    /// <summary>The Table Offset/BIR register the guest reads.</summary>
    public uint TableRegister => (uint)TableOffset | (uint)TableBar;

    /// <summary>The PBA Offset/BIR register the guest reads.</summary>
    public uint PbaRegister => (uint)PbaOffset | (uint)PbaBar;

    /// <summary>Validates the capability at <paramref name="offset"/> of <paramref name="host"/> against the guest's BARs; null with a reason when invalid.</summary>
    public static MsixLayout? Validate(ConfigSpace host, int offset, GuestBars bars, out string? reason)
    {
        int vectors = (host.Read16(offset + MsixCapability.ControlOffset) & MsixCapability.TableSizeMask) + 1;
        uint table = host.Read32(offset + MsixCapability.TableOffset);
        uint pba = host.Read32(offset + MsixCapability.PbaOffset);
        int tableBar = (int)(table & MsixCapability.BirMask);
        int pbaBar = (int)(pba & MsixCapability.BirMask);
        ulong tableOffset = table & ~MsixCapability.BirMask;
        ulong pbaOffset = pba & ~MsixCapability.BirMask;
        var layout = new MsixLayout(vectors, tableBar, tableOffset, pbaBar, pbaOffset, false);

        reason = BarProblem("table", tableBar, bars) ?? BarProblem("PBA", pbaBar, bars);
        if (reason is not null)
        {
            return null;
        }

        if (tableOffset + layout.TableBytes > bars[tableBar].Size)
        {
            reason = $"the table (0x{layout.TableBytes:x} bytes at 0x{tableOffset:x}) does not fit in BAR{tableBar} (0x{bars[tableBar].Size:x} bytes)";
            return null;
        }

        if (pbaOffset + layout.PbaBytes > bars[pbaBar].Size)
        {
            ushort vendor = host.VendorId;
            ushort device = host.DeviceId;
            var fix = Array.Find(PbaFixups, f => f.Vendor == vendor && (device & f.DeviceMask) == f.Device);
            if (fix.Name is null || fix.PbaOffset + layout.PbaBytes > bars[pbaBar].Size)
            {
                reason = $"the PBA (0x{layout.PbaBytes:x} bytes at 0x{pbaOffset:x}) lies beyond BAR{pbaBar} (0x{bars[pbaBar].Size:x} bytes)";
                return null;
            }

            layout = layout with { PbaOffset = fix.PbaOffset, PbaFixedUp = true };
        }

        if (tableBar == layout.PbaBar && tableOffset < layout.PbaOffset + layout.PbaBytes && layout.PbaOffset < tableOffset + layout.TableBytes)
        {
            reason = "the table and the PBA overlap";
            return null;
        }

        reason = null;
        return layout;
    }

    private static string? BarProblem(string what, int bar, GuestBars bars) =>
        bar >= 6 ? $"the {what} names BIR {bar}, which is not a BAR"
        : !bars[bar].IsMemory ? $"the {what} names BAR{bar}, which is not a memory BAR offered to the guest"
        : null;
}
