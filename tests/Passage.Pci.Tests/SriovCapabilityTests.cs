using Passage.Pci.Capabilities;

namespace Passage.Pci.Tests;

public sealed class SriovCapabilityTests
{
    private const int At = 0x160;

    private static ConfigSpaceBuilder Space() => TestSpaces.Endpoint()
        .ExtendedCapability(0x100, ExtendedCapabilityId.Aer, 2, new byte[0x44])
        .ExtendedCapability(0x148, ExtendedCapabilityId.Ari, 1, new byte[4])
        .ExtendedCapability(At, ExtendedCapabilityId.Sriov, 1, new byte[0x3C]);

    private static SriovCapability Full() => SriovCapability.Decode(
        Space()
            .Set32(At + 0x04, 0x0000_0002) // capabilities
            .Set16(At + 0x08, 0x0019) // VF Enable, VF MSE, ARI Capable Hierarchy
            .Set16(At + 0x0A, 0x0001) // status
            .Set16(At + 0x0C, 0x0040) // InitialVFs 64
            .Set16(At + 0x0E, 0x0080) // TotalVFs 128
            .Set16(At + 0x10, 0x0008) // NumVFs 8
            .Set8(At + 0x12, 0x03) // function dependency link
            .Set16(At + 0x14, 0x0180) // First VF Offset
            .Set16(At + 0x16, 0x0002) // VF Stride
            .Set16(At + 0x1A, 0x10ED) // VF Device ID
            .Set32(At + 0x1C, 0x0000_0553) // supported page sizes
            .Set32(At + 0x20, 0x0000_0001) // system page size 4 KiB
            .Build(),
        At);

    [Fact]
    public void Decode_AllFields_ReadFromSpecOffsets()
    {
        SriovCapability s = Full();

        Assert.Equal(0x0000_0002u, s.SriovCapabilities);
        Assert.Equal(0x0019, s.Control);
        Assert.Equal((64, 128, 8), (s.InitialVfs, s.TotalVfs, s.NumVfs));
        Assert.Equal(0x03, s.FunctionDependencyLink);
        Assert.Equal((0x180, 2), (s.FirstVfOffset, s.VfStride));
        Assert.Equal(0x10ED, s.VfDeviceId);
        Assert.Equal(0x0000_0553u, s.SupportedPageSizes);
        Assert.Equal(0x0000_0001u, s.SystemPageSize);
        Assert.Equal(0x40, s.Length);
    }

    [Theory]
    [InlineData(0x0001, true, false, false)] // bit 0 VF Enable
    [InlineData(0x0008, false, true, false)] // bit 3 VF MSE
    [InlineData(0x0010, false, false, true)] // bit 4 ARI Capable Hierarchy
    [InlineData(0xFFE6, false, false, false)] // every other bit
    public void Control_Bits_Decoded(int control, bool vfEnable, bool mse, bool ari)
    {
        SriovCapability s = SriovCapability.Decode(Space().Set16(At + 0x08, (ushort)control).Build(), At);

        Assert.Equal((vfEnable, mse, ari), (s.VfEnabled, s.VfMemoryEnabled, s.AriCapableHierarchy));
    }

    [Theory]
    [InlineData(1, 0x180)] // first VF at First VF Offset
    [InlineData(2, 0x182)] // plus one stride
    [InlineData(8, 0x18E)] // plus seven strides
    [InlineData(128, 0x27E)] // last of TotalVFs
    public void VfRoutingIdOffset_VfNumber_IsFirstPlusStrides(int vf, int offset)
    {
        Assert.Equal(offset, Full().VfRoutingIdOffset(vf));
    }

    [Fact]
    public void Fields_DecodedCapability_CarryValues()
    {
        SriovCapability s = Full();

        Assert.Contains(new DecodedField("vfEnable", true), s.Fields);
        Assert.Contains(new DecodedField("numVfs", 8L), s.Fields);
        Assert.Contains(new DecodedField("firstVfOffset", 0x180L), s.Fields);
        Assert.Contains(new DecodedField("vfStride", 2L), s.Fields);
        Assert.Contains(new DecodedField("vfDeviceId", 0x10EDL), s.Fields);
    }
}
