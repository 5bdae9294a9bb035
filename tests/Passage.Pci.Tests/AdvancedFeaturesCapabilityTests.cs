using Passage.Pci.Capabilities;

namespace Passage.Pci.Tests;

public sealed class AdvancedFeaturesCapabilityTests
{
    private const int At = 0x48;

    private static AdvancedFeaturesCapability Decode(int capabilities, int status) => AdvancedFeaturesCapability.Decode(
        TestSpaces.Endpoint()
            .Capability(At, CapabilityId.AdvancedFeatures, [6, (byte)capabilities, 0, (byte)status])
            .Build(),
        At);

    [Theory]
    [InlineData(0x03, true)] // TP and FLR
    [InlineData(0x02, false)] // FLR without TP
    [InlineData(0x01, false)] // TP without FLR
    [InlineData(0x00, false)] // neither
    [InlineData(0xFC, false)] // every other bit
    [InlineData(0xFF, true)] // everything
    public void SupportsFlr_AfCapabilities_RequiresTpAndFlr(int capabilities, bool flr)
    {
        AdvancedFeaturesCapability af = Decode(capabilities, 0);

        Assert.Equal(capabilities, af.AfCapabilities);
        Assert.Equal(flr, af.SupportsFlr);
    }

    [Theory]
    [InlineData(0x01, true)] // TP set in AF Status (+5)
    [InlineData(0xFE, false)] // everything but TP
    public void Fields_AfStatusBit0_IsTransactionsPending(int status, bool pending)
    {
        AdvancedFeaturesCapability af = Decode(0x03, status);

        Assert.Equal(status, af.AfStatus);
        Assert.Contains(new DecodedField("transactionsPending", pending), af.Fields);
    }

    [Fact]
    public void Fields_Capabilities_SplitIntoTpAndFlr()
    {
        AdvancedFeaturesCapability af = Decode(0x02, 0);

        Assert.Equal(
            [
                new DecodedField("transactionsPendingCapable", false),
                new DecodedField("flrCapable", true),
                new DecodedField("transactionsPending", false),
            ],
            af.Fields);
        Assert.Equal(6, af.Length);
        Assert.Equal(["AFCap: TP- FLR+", "AFStatus: TP-"], af.Details);
    }
}
