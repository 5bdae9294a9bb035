using Passage.Pci.Capabilities;

namespace Passage.Pci.Tests;

public sealed class AcsCapabilityTests
{
    private const int At = 0x148;

    private static AcsCapability Decode(int capability, int control) => AcsCapability.Decode(
        TestSpaces.Endpoint()
            .ExtendedCapability(0x100, ExtendedCapabilityId.Aer, 2, new byte[0x44])
            .ExtendedCapability(At, ExtendedCapabilityId.Acs, 1, new byte[4])
            .Set16(At + 4, (ushort)capability)
            .Set16(At + 6, (ushort)control)
            .Build(),
        At);

    [Theory]
    [InlineData(0x001F, 0x001D, true)] // SV RR CR UF enabled; TB not needed
    [InlineData(0x007F, 0x001D, true)] // all implemented; TB, EC, DT not needed
    [InlineData(0x001D, 0x001F, true)] // control has more than required
    [InlineData(0x001D, 0x000D, false)] // UF implemented but disabled
    [InlineData(0x001D, 0x001C, false)] // SV implemented but disabled
    [InlineData(0x001D, 0x0019, false)] // RR implemented but disabled
    [InlineData(0x001D, 0x0015, false)] // CR implemented but disabled
    [InlineData(0x001D, 0x0000, false)] // nothing enabled
    [InlineData(0x000C, 0x000C, true)] // only RR and CR implemented (multi-function device): both on
    [InlineData(0x000C, 0x0004, false)] // only RR and CR implemented, CR off
    [InlineData(0x0001, 0x0001, true)] // only SV implemented and on
    [InlineData(0x0000, 0x0000, true)] // nothing implemented: everything hard-wired
    [InlineData(0x0062, 0x0000, true)] // only TB, EC, DT implemented: none of them required
    public void IsolationEnabled_CapabilityAndControl_RequiresImplementedIsolationFlagsOnly(int capability, int control, bool enabled)
    {
        AcsCapability acs = Decode(capability, control);

        Assert.Equal(enabled, acs.IsolationEnabled);
        Assert.Contains(new DecodedField("isolationEnabled", enabled), acs.Fields);
    }

    [Fact]
    public void IsolationFlags_Constant_IsSvRrCrUf()
    {
        Assert.Equal(0x1D, AcsCapability.IsolationFlags);
    }

    [Fact]
    public void Decode_Registers_ReadFromPlus4AndPlus6()
    {
        AcsCapability acs = Decode(0x207F, 0x0015);

        Assert.Equal(0x207F, acs.Capability);
        Assert.Equal(0x0015, acs.Control);
        Assert.Equal(At, acs.Offset);
        Assert.Contains(new DecodedField("egressVectorSize", 0x20L), acs.Fields);
        Assert.Contains(new DecodedField("sourceValidation", true), acs.Fields);
        Assert.Contains(new DecodedField("requestRedirect", true), acs.Fields);
        Assert.Contains(new DecodedField("completionRedirect", false), acs.Fields);
        Assert.Contains(new DecodedField("upstreamForwarding", true), acs.Fields);
    }

    [Fact]
    public void Details_CapabilityAndControl_NamedAsLspci()
    {
        AcsCapability acs = Decode(0x005F, 0x001D);

        Assert.Equal(
            [
                "ACSCap: SrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans+",
                "ACSCtl: SrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-",
            ],
            acs.Details);
    }
}
