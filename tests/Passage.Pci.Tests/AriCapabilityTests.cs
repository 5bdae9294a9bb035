using Passage.Pci.Capabilities;

namespace Passage.Pci.Tests;

public sealed class AriCapabilityTests
{
    private const int At = 0x150;

    private static AriCapability Decode(int capability, int control) => AriCapability.Decode(
        TestSpaces.Endpoint()
            .ExtendedCapability(0x100, ExtendedCapabilityId.Aer, 2, new byte[0x44])
            .ExtendedCapability(At, ExtendedCapabilityId.Ari, 1, new byte[4])
            .Set16(At + 4, (ushort)capability)
            .Set16(At + 6, (ushort)control)
            .Build(),
        At);

    [Theory]
    [InlineData(0x0100, 1)] // next function 1
    [InlineData(0x8003, 0x80)] // next function 128 next to the MFVC and ACS bits
    [InlineData(0x00FF, 0)] // last function of the device
    public void NextFunction_CapabilityBits15To8_Decoded(int capability, int next)
    {
        AriCapability ari = Decode(capability, 0);

        Assert.Equal(next, ari.NextFunction);
        Assert.Equal(capability, ari.Capability);
    }

    [Fact]
    public void Fields_CapabilityAndControlBits_Decoded()
    {
        // Capability: ACS function groups capable; control: MFVC enable, function group 5 (6:4).
        AriCapability ari = Decode(0x0402, 0x0051);

        Assert.Equal(
            [
                new DecodedField("mfvcFunctionGroupsCapable", false),
                new DecodedField("acsFunctionGroupsCapable", true),
                new DecodedField("nextFunction", 4L),
                new DecodedField("mfvcFunctionGroupsEnable", true),
                new DecodedField("acsFunctionGroupsEnable", false),
                new DecodedField("functionGroup", 5L),
            ],
            ari.Fields);
        Assert.Equal(8, ari.Length);
    }
}
