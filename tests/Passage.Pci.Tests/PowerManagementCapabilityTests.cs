using Passage.Pci.Capabilities;

namespace Passage.Pci.Tests;

public sealed class PowerManagementCapabilityTests
{
    private const int At = 0x40;

    private static PowerManagementCapability Decode(int pmc, int pmcsr) => PowerManagementCapability.Decode(
        TestSpaces.Endpoint()
            .Capability(At, CapabilityId.PowerManagement, new byte[6])
            .Set16(At + 2, (ushort)pmc)
            .Set16(At + 4, (ushort)pmcsr)
            .Build(),
        At);

    private static object? Field(CapabilityDecoding d, string name) => d.Fields.FirstOrDefault(f => f.Name == name).Value;

    [Theory]
    [InlineData(0x0003, 3)] // PM 1.2
    [InlineData(0x0002, 2)] // PM 1.1
    [InlineData(0xFFFB, 3)] // other PMC bits do not leak into bits 2:0
    public void Version_PmcBits2To0_Decoded(int pmc, int version)
    {
        PowerManagementCapability pm = Decode(pmc, 0);

        Assert.Equal(version, pm.Version);
        Assert.Equal($"Power Management version {version}", pm.Title);
    }

    [Theory]
    [InlineData(0x0000, 0)] // D0
    [InlineData(0x0001, 1)] // D1
    [InlineData(0x0002, 2)] // D2
    [InlineData(0x0003, 3)] // D3hot
    [InlineData(0xFFF8, 0)] // D0 with every other bit set
    public void PowerState_PmcsrBits1To0_IsDState(int pmcsr, int state)
    {
        Assert.Equal(state, Decode(0x0003, pmcsr).PowerState);
    }

    [Theory]
    [InlineData(0x0008, true)] // bit 3 alone
    [InlineData(0x0003, false)] // D3hot without No_Soft_Reset
    [InlineData(0xFFF7, false)] // everything but bit 3
    public void NoSoftResetSet_PmcsrBit3_Decoded(int pmcsr, bool set)
    {
        PowerManagementCapability pm = Decode(0x0003, pmcsr);

        Assert.Equal(set, pm.NoSoftResetSet);
        Assert.Equal(set, Field(pm, "noSoftReset"));
    }

    [Theory]
    [InlineData(0x0100, true, false)] // PME_En
    [InlineData(0x8000, false, true)] // PME_Status
    [InlineData(0x8100, true, true)] // both
    [InlineData(0x7EFF, false, false)] // neither
    public void PmeBits_Pmcsr_Decoded(int pmcsr, bool enable, bool status)
    {
        PowerManagementCapability pm = Decode(0x0003, pmcsr);

        Assert.Equal(enable, Field(pm, "pmeEnable"));
        Assert.Equal(status, Field(pm, "pmeStatus"));
    }

    [Theory]
    [InlineData(0xF803, 0x1FL)] // PME from D0, D1, D2, D3hot, D3cold
    [InlineData(0xC803, 0x19L)] // PME from D0, D3hot, D3cold
    [InlineData(0x07FF, 0x00L)] // no PME support, every other bit set
    public void PmeSupport_PmcBits15To11_Decoded(int pmc, long support)
    {
        Assert.Equal(support, Field(Decode(pmc, 0), "pmeSupport"));
    }

    [Theory]
    [InlineData(0x0203, true, false)] // D1 only
    [InlineData(0x0403, false, true)] // D2 only
    [InlineData(0x0603, true, true)] // both
    public void D1AndD2Support_PmcBits9And10_Decoded(int pmc, bool d1, bool d2)
    {
        PowerManagementCapability pm = Decode(pmc, 0);

        Assert.Equal((d1, d2), (pm.D1Support, pm.D2Support));
    }

    [Fact]
    public void Fields_AuxCurrentDataSelectAndScale_Decoded()
    {
        // PMC bits 8:6 = 7 (375 mA); PMCSR data select 12:9 = 5, data scale 14:13 = 2.
        PowerManagementCapability pm = Decode(0x01C3, (5 << 9) | (2 << 13));

        Assert.Equal(375L, Field(pm, "auxCurrentMilliamps"));
        Assert.Equal(5L, Field(pm, "dataSelect"));
        Assert.Equal(2L, Field(pm, "dataScale"));
    }

    [Fact]
    public void Details_D3hotNoSoftReset_ShowStatusLine()
    {
        PowerManagementCapability pm = Decode(0xC803, 0x000B);

        Assert.Equal("Status: D3 NoSoftRst+ PME-Enable- DSel=0 DScale=0 PME-", pm.Details[1]);
        Assert.Contains("PME(D0+,D1-,D2-,D3hot+,D3cold+)", pm.Details[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Length_AnyPmc_IsEight()
    {
        Assert.Equal(8, Decode(0x0003, 0).Length);
    }
}
