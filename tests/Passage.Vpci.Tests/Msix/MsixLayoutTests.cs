using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Vpci.Capabilities;
using Passage.Vpci.Tests.Function;

namespace Passage.Vpci.Tests.Msix;

/// <summary>MSI-X validation (vpci.md §7.1): BIRs, fits, the PBA fixups, the hidden capability and its reason.</summary>
public sealed class MsixLayoutTests
{
    [Theory]
    [InlineData(0, 0x1FC0u, 0, 0x0u, null)] // table ends exactly at the end of BAR0, PBA at 0: valid
    [InlineData(3, 0x0u, 3, 0x3FF8u, null)] // both in the 64-bit BAR3, PBA in its last 8 bytes: valid
    [InlineData(6, 0x0u, 0, 0x1000u, "names BIR 6, which is not a BAR")] // BIR 6 is reserved
    [InlineData(0, 0x0u, 7, 0x0u, "PBA names BIR 7, which is not a BAR")] // BIR 7 is reserved
    [InlineData(2, 0x0u, 0, 0x1000u, "names BAR2, which is not a memory BAR")] // an I/O BAR
    [InlineData(5, 0x0u, 0, 0x1000u, "names BAR5, which is not a memory BAR")] // an empty BAR
    [InlineData(4, 0x0u, 0, 0x1000u, "names BAR4, which is not a memory BAR")] // the upper half of 64-bit BAR3
    [InlineData(0, 0x1FC8u, 0, 0x0u, "does not fit in BAR0")] // the table's last entry crosses the BAR end
    [InlineData(0, 0x0u, 0, 0x2000u, "lies beyond BAR0")] // PBA starts at the BAR end (no fixup for this vendor)
    [InlineData(0, 0x0u, 0, 0x8000u, "lies beyond BAR0")] // PBA far beyond the BAR
    [InlineData(0, 0x1000u, 0, 0x1038u, "overlap")] // PBA inside the table's last entry
    [InlineData(0, 0x1000u, 0, 0x1000u, "overlap")] // PBA at the table start
    [InlineData(0, 0x1008u, 0, 0x1000u, null)] // PBA right before a table at 8 mod 16: valid
    [InlineData(0, 0x1000u, 0, 0x1040u, null)] // PBA right after the table: valid
    public void Validate_Layout_ExposedOrHiddenWithReason(int tableBir, uint tableOffset, int pbaBir, uint pbaOffset, string? reason)
    {
        var config = LayoutHostDevice.MsixLayout(0x1234, 0x0001, 4, tableBir, tableOffset, pbaBir, pbaOffset);
        using var lab = LayoutLab.Open(new LayoutHostDevice(config, (0, BarKind.Mem32, 0x2000), (2, BarKind.Io, 0x20), (3, BarKind.Mem64, 0x4000)) { MsixCount = 4 });

        HiddenCapability? hidden = lab.Function.HiddenCapabilities.SingleOrDefault(c => c.Id == (int)CapabilityId.MsiX);
        if (reason is null)
        {
            Assert.Null(hidden);
            Assert.NotNull(lab.Function.Msix);
            Assert.Equal(0x40u, lab.Function.ReadConfig(ConfigOffsets.CapabilitiesPointer, 1));
            return;
        }

        Assert.NotNull(hidden);
        Assert.Equal(0x40, hidden.Offset);
        Assert.Contains(reason, hidden.Reason, StringComparison.Ordinal);
        Assert.Null(lab.Function.Msix);
        Assert.Equal(0u, lab.Function.ReadConfig(ConfigOffsets.CapabilitiesPointer, 1)); // unlinked: the guest cannot find it
        Assert.Contains(lab.Log, l => l.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_HostOffersNoMsixVector_HiddenWithReason()
    {
        var config = LayoutHostDevice.MsixLayout(0x1234, 0x0001, 4, 0, 0, 0, 0x1000);
        using var lab = LayoutLab.Open(new LayoutHostDevice(config, (0, BarKind.Mem32, 0x2000)) { MsixCount = 0 });

        HiddenCapability hidden = Assert.Single(lab.Function.HiddenCapabilities);
        Assert.Equal(((int)CapabilityId.MsiX, 0x40), (hidden.Id, hidden.Offset));
        Assert.Contains("offers no MSI-X vector", hidden.Reason, StringComparison.Ordinal);
        Assert.Null(lab.Function.Msix);
    }

    [Fact]
    public void Validate_ChelsioT5VfPbaBeyondBar_FixedUpTo0x1000AndPurelyEmulated()
    {
        using var guest = MsixGuest.Open("0000:07:00.0");

        Assert.DoesNotContain(guest.Lab.Function.HiddenCapabilities, c => c.Id == (int)CapabilityId.MsiX);
        Assert.Equal(0x1000u | 2, guest.Lab.Read(guest.Capability + MsixCapability.PbaOffset, 4));
        Assert.Equal(0x0u | 2, guest.Lab.Read(guest.Capability + MsixCapability.TableOffset, 4));
        Assert.Equal(guest.Bars[2] + 0x1000, guest.PbaBase);

        guest.Enable();
        guest.ProgramAndUnmask(3);
        guest.Mask(3);
        guest.Ring(3);
        guest.Device.BarAccesses.Clear();

        Assert.Equal(1UL << 3, guest.ReadPba());
        Assert.DoesNotContain(guest.Device.BarAccesses, a => a.Region == 2); // the host's PBA is not at 0x1000: never read
    }

    [Theory]
    [InlineData(0x1425, 0x5801, 0x2000ul, 0x8000u, 0x1000u)] // Chelsio T5 VF family (58xx)
    [InlineData(0x1D22, 0x3685, 0x10000ul, 0x20000u, 0xB400u)] // Baidu Kunlun VF
    public void Validate_KnownPbaQuirk_PbaRegisterReadsFixedOffset(int vendor, int device, ulong barSize, uint pbaOffset, uint fixedOffset)
    {
        var config = LayoutHostDevice.MsixLayout((ushort)vendor, (ushort)device, 8, 0, 0, 0, pbaOffset);
        using var lab = LayoutLab.Open(new LayoutHostDevice(config, (0, BarKind.Mem64, barSize)) { MsixCount = 8 });

        Assert.NotNull(lab.Function.Msix);
        Assert.Equal(fixedOffset, lab.Function.Msix.PbaOffset);
        Assert.Equal(fixedOffset, lab.Function.ReadConfig(0x40 + MsixCapability.PbaOffset, 4));
    }

    [Fact]
    public void Validate_KnownQuirkButFixedPbaDoesNotFit_Hidden()
    {
        // A T5 VF whose BAR is too small even for the corrected PBA at 0x1000.
        var config = LayoutHostDevice.MsixLayout(0x1425, 0x5803, 8, 0, 0, 0, 0x8000);
        using var lab = LayoutLab.Open(new LayoutHostDevice(config, (0, BarKind.Mem64, 0x1000)) { MsixCount = 8 });

        HiddenCapability hidden = Assert.Single(lab.Function.HiddenCapabilities, c => c.Id == (int)CapabilityId.MsiX);
        Assert.Contains("lies beyond BAR0", hidden.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0000:05:00.0", 5)] // NIC
    [InlineData("0000:06:00.0", 33)] // NVMe
    [InlineData("0000:02:00.0", 16)] // Wi-Fi
    [InlineData("0000:07:00.0", 8)] // T5 VF
    public void Validate_LabDevice_AllEntriesMaskedDisabledNotFunctionMasked(string address, int vectors)
    {
        using var guest = MsixGuest.Open(address);

        Assert.Equal(vectors, guest.Vectors);
        Assert.Equal((uint)(vectors - 1), guest.ReadControl());
        Assert.All(Enumerable.Range(0, vectors), v => Assert.Equal(1u, guest.VectorControl(v)));
        Assert.Equal(0UL, guest.ReadPba());
        Assert.False(guest.Msix.HostEnabled);
        Assert.Empty(guest.MsixCalls);
    }
}
