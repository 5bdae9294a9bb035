using Passage.Vpci.Machine;

namespace Passage.Vpci.Tests.Machine;

public sealed class GuestMemoryValuesTests : IDisposable
{
    private readonly VirtualMachine _vm = new();

    public void Dispose() => _vm.Dispose();

    [Theory]
    [InlineData(1, 0x88UL)]
    [InlineData(2, 0x7788UL)]
    [InlineData(4, 0x5566_7788UL)]
    [InlineData(8, 0x1122_3344_5566_7788UL)]
    public void ReadValue_EachWidth_LittleEndianLowBytes(int size, ulong expected)
    {
        _vm.WriteMemory(0x100, [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]);

        Assert.Equal(expected, _vm.ReadValue(0x100, size));
    }

    [Fact]
    public void WriteValue_TwoBytes_OnlyThoseBytesChange()
    {
        _vm.WriteValue(0x200, 8, ulong.MaxValue);

        _vm.WriteValue(0x201, 2, 0xABCD_1234);

        byte[] bytes = new byte[8];
        _vm.ReadMemory(0x200, bytes);
        Assert.Equal(new byte[] { 0xFF, 0x34, 0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }, bytes);
    }

    [Fact]
    public void ReadValue_NothingThere_AllOnesOfTheWidth()
    {
        Assert.Equal(0xFFFF_FFFFUL, _vm.ReadValue(0xD000_0000, 4));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    public void ReadValue_WidthOutOfRange_Throws(int size)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _vm.ReadValue(0, size));
        Assert.Throws<ArgumentOutOfRangeException>(() => _vm.WriteValue(0, size, 0));
    }

    [Fact]
    public void ReadValue_BareBus_SameAccess()
    {
        var bus = new AddressBus();
        bus.Insert(0x1000, 0x1000, _vm.Ram);
        bus.WriteValue(0x1004, 4, 0xCAFE_F00D);

        Assert.Equal(0xCAFE_F00DUL, _vm.ReadValue(0x4, 4));
        Assert.Equal(0xF00DUL, bus.ReadValue(0x1004, 2));
    }
}
