using Passage.Pci.Capabilities;

namespace Passage.Pci.Tests;

public sealed class AerCapabilityTests
{
    private const int At = 0x100;

    private static ConfigSpaceBuilder Space() => TestSpaces.Endpoint()
        .ExtendedCapability(At, ExtendedCapabilityId.Aer, 2, new byte[0x44]);

    private static object? Field(CapabilityDecoding d, string name) => d.Fields.FirstOrDefault(f => f.Name == name).Value;

    [Fact]
    public void Decode_Registers_ReadFromSpecOffsets()
    {
        AerCapability aer = AerCapability.Decode(
            Space()
                .Set32(At + 0x04, 0x0010_0000) // Unsupported Request status
                .Set32(At + 0x08, 0x0040_0000) // Uncorrectable Internal masked
                .Set32(At + 0x0C, 0x0046_2030) // default severity
                .Set32(At + 0x10, 0x0000_0041) // Receiver Error and Bad TLP
                .Set32(At + 0x14, 0x0000_E000) // default correctable mask
                .Set32(At + 0x18, 0x0000_01F4) // first error 20, ECRC bits 5..8
                .Set32(At + 0x1C, 0x4A00_0001)
                .Set32(At + 0x20, 0x0100_00FF)
                .Set32(At + 0x24, 0xFEE0_0000)
                .Set32(At + 0x28, 0x0000_0000)
                .Build(),
            At);

        Assert.Equal(0x0010_0000u, aer.UncorrectableStatus);
        Assert.Equal(0x0040_0000u, aer.UncorrectableMask);
        Assert.Equal(AerCapability.DefaultSeverity, aer.UncorrectableSeverity);
        Assert.Equal(0x0000_0041u, aer.CorrectableStatus);
        Assert.Equal(AerCapability.DefaultCorrectableMask, aer.CorrectableMask);
        Assert.Equal(0x0000_01F4u, aer.CapabilitiesControl);
        Assert.Equal([0x4A00_0001u, 0x0100_00FFu, 0xFEE0_0000u, 0x0000_0000u], aer.HeaderLog);
    }

    [Theory]
    [InlineData(0x0000_0020u, true, false, false, false)] // bit 5 ECRC generation capable
    [InlineData(0x0000_0040u, false, true, false, false)] // bit 6 ECRC generation enable
    [InlineData(0x0000_0080u, false, false, true, false)] // bit 7 ECRC check capable
    [InlineData(0x0000_0100u, false, false, false, true)] // bit 8 ECRC check enable
    [InlineData(0xFFFF_FE1Fu, false, false, false, false)] // every other bit
    public void Fields_ControlBits_DecodedOneEach(uint control, bool genCap, bool genEn, bool chkCap, bool chkEn)
    {
        AerCapability aer = AerCapability.Decode(Space().Set32(At + 0x18, control).Build(), At);

        Assert.Equal(genCap, Field(aer, "ecrcGenerationCapable"));
        Assert.Equal(genEn, Field(aer, "ecrcGenerationEnable"));
        Assert.Equal(chkCap, Field(aer, "ecrcCheckCapable"));
        Assert.Equal(chkEn, Field(aer, "ecrcCheckEnable"));
    }

    [Theory]
    [InlineData(0x0000_0014u, 20L)] // Unsupported Request is bit 20
    [InlineData(0xFFFF_FFE0u, 0L)] // bits 4:0 clear
    [InlineData(0x0000_01FFu, 31L)] // bits 4:0 set next to the ECRC bits
    public void Fields_FirstErrorPointer_IsBits4To0(uint control, long firstError)
    {
        AerCapability aer = AerCapability.Decode(Space().Set32(At + 0x18, control).Build(), At);

        Assert.Equal(firstError, Field(aer, "firstErrorPointer"));
    }

    [Fact]
    public void Constants_DefinedAndDefaultMasks_MatchSpec()
    {
        // Uncorrectable: bits 0, 4, 5, 12-25; correctable: 0, 6, 7, 8, 12-15.
        uint uncorrectable = 1u | (1u << 4) | (1u << 5);
        for (int bit = 12; bit <= 25; bit++)
        {
            uncorrectable |= 1u << bit;
        }

        uint correctable = 1u | (1u << 6) | (1u << 7) | (1u << 8) | (1u << 12) | (1u << 13) | (1u << 14) | (1u << 15);

        Assert.Equal(AerCapability.UncorrectableDefined, uncorrectable);
        Assert.Equal(AerCapability.CorrectableDefined, correctable);
        Assert.Equal(0x0046_2030u, AerCapability.DefaultSeverity);
        Assert.Equal(0x0000_E000u, AerCapability.DefaultCorrectableMask);
        Assert.Equal(0x48, AerCapability.Decode(Space().Build(), At).Length);
    }

    [Fact]
    public void Details_StatusBits_NamedAsLspci()
    {
        AerCapability aer = AerCapability.Decode(Space().Set32(At + 0x04, 0x0010_1000).Set32(At + 0x10, 0x0000_0001).Build(), At);

        Assert.StartsWith("UESta:  Undef- DLP- SDES- TLP+ FCP- CmpltTO- CmpltAbrt- UnxCmplt- RxOF- MalfTLP- ECRC- UnsupReq+ ", aer.Details[0], StringComparison.Ordinal);
        Assert.StartsWith("CESta:  RxErr+ BadTLP- ", aer.Details[3], StringComparison.Ordinal);
    }
}
