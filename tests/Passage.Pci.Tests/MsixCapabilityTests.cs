using Passage.Pci.Capabilities;

namespace Passage.Pci.Tests;

public sealed class MsixCapabilityTests
{
    private const int At = 0x70;

    private static MsixCapability Decode(int control, uint table = 0, uint pba = 0) => MsixCapability.Decode(
        TestSpaces.Endpoint()
            .Capability(At, CapabilityId.MsiX, new byte[10])
            .Set16(At + 2, (ushort)control)
            .Set32(At + 4, table)
            .Set32(At + 8, pba)
            .Build(),
        At);

    [Theory]
    [InlineData(0x0000, 1)] // N - 1 = 0
    [InlineData(0x0004, 5)] // N - 1 = 4
    [InlineData(0x003F, 64)] // N - 1 = 63
    [InlineData(0x07FF, 2048)] // largest table
    [InlineData(0xC7FF, 2048)] // Enable and Function Mask do not change the size
    [InlineData(0x3803, 4)] // reserved bits 13:11 are not part of the size
    public void TableSize_ControlField_IsNPlusOne(int control, int entries)
    {
        MsixCapability msix = Decode(control);

        Assert.Equal(entries, msix.TableSize);
        Assert.Equal(entries * 16, msix.TableBytes);
    }

    [Theory]
    [InlineData(0x0000, false, false)] // reset state
    [InlineData(0x8000, true, false)] // bit 15 Enable
    [InlineData(0x4000, false, true)] // bit 14 Function Mask
    [InlineData(0xC000, true, true)] // both
    [InlineData(0x3FFF, false, false)] // every other bit
    public void EnableAndFunctionMask_Control_ReadBits15And14(int control, bool enabled, bool masked)
    {
        MsixCapability msix = Decode(control);

        Assert.Equal(enabled, msix.Enabled);
        Assert.Equal(masked, msix.FunctionMasked);
    }

    [Theory]
    [InlineData(0x0000_2000u, 0, 0x2000u)] // BAR0, offset 0x2000
    [InlineData(0x0000_3004u, 4, 0x3000u)] // BAR4
    [InlineData(0x0001_0805u, 5, 0x1_0800u)] // BAR5, QWORD-aligned offset above 64 KiB
    [InlineData(0xFFFF_FFFAu, 2, 0xFFFF_FFF8u)] // offset bits 31:3 all set
    public void Table_Register_SplitsBirAndOffset(uint register, int bir, uint offset)
    {
        MsixCapability msix = Decode(0, table: register);

        Assert.Equal(bir, msix.TableBir);
        Assert.Equal(offset, msix.TableBarOffset);
        Assert.Equal(register, msix.TableRegister);
    }

    [Theory]
    [InlineData(0x0004_8000u, 0, 0x4_8000u)] // BAR0, after a 32 KiB table
    [InlineData(0x0000_0802u, 2, 0x800u)] // BAR2
    [InlineData(0x0000_000Fu, 7, 0x8u)] // reserved BIR 7 still decoded as 7
    public void Pba_Register_SplitsBirAndOffset(uint register, int bir, uint offset)
    {
        MsixCapability msix = Decode(0, pba: register);

        Assert.Equal(bir, msix.PbaBir);
        Assert.Equal(offset, msix.PbaBarOffset);
    }

    [Theory]
    [InlineData(0x0000, 8)] // 1 vector: one QWORD
    [InlineData(0x003F, 8)] // 64 vectors: one QWORD
    [InlineData(0x0040, 16)] // 65 vectors: two QWORDs
    [InlineData(0x07FF, 256)] // 2048 vectors: 32 QWORDs
    public void PbaBytes_TableSize_IsCeilingOfNOver64Qwords(int control, int bytes)
    {
        Assert.Equal(bytes, Decode(control).PbaBytes);
    }

    [Fact]
    public void Length_AnyControl_IsTwelve()
    {
        Assert.Equal(12, Decode(0).Length);
    }

    [Fact]
    public void TitleAndDetails_EnabledFiveVectors_ReadAsLspci()
    {
        MsixCapability msix = Decode(0x8004, table: 0x0000_8000, pba: 0x0004_8003);

        Assert.Equal("MSI-X: Enable+ Count=5 Masked-", msix.Title);
        Assert.Equal(["Vector table: BAR=0 offset=00008000", "PBA: BAR=3 offset=00048000"], msix.Details);
    }

    [Fact]
    public void Fields_DecodedCapability_CarryValues()
    {
        MsixCapability msix = Decode(0x4010, table: 0x0000_2001, pba: 0x0000_3001);

        Assert.Equal(
            [
                new DecodedField("tableSize", 17L),
                new DecodedField("enabled", false),
                new DecodedField("functionMask", true),
                new DecodedField("tableBir", 1L),
                new DecodedField("tableOffset", 0x2000L),
                new DecodedField("pbaBir", 1L),
                new DecodedField("pbaOffset", 0x3000L),
            ],
            msix.Fields);
    }
}
