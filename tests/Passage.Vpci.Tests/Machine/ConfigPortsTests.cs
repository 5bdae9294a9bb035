using Passage.Vpci.Machine;

namespace Passage.Vpci.Tests.Machine;

public sealed class ConfigPortsTests
{
    private static uint Address(int bus, int device, int function, int register) =>
        0x8000_0000u | (uint)(bus << 16) | (uint)(device << 11) | (uint)(function << 8) | (uint)register;

    [Theory]
    [InlineData(0xCFC, 4, 0x40)] // dword at the register
    [InlineData(0xCFE, 2, 0x42)] // word at +2
    [InlineData(0xCFF, 1, 0x43)] // byte at +3
    public void In_DataPortWithEnable_ReachesTheDecodedRegister(int port, int size, int register)
    {
        var target = new RecordingConfigTarget();
        var ports = new ConfigPorts(target);
        ports.Out(ConfigPorts.AddressPort, 4, Address(0, 3, 1, 0x40));

        ports.In((ushort)port, size);

        Assert.Equal((0, 3, 1, register, size), target.Reads.Single());
    }

    [Fact]
    public void In_EnableBitClear_OnesWithoutAccess()
    {
        var target = new RecordingConfigTarget();
        var ports = new ConfigPorts(target);
        ports.Out(ConfigPorts.AddressPort, 4, Address(0, 3, 0, 0) & 0x7FFF_FFFF);

        Assert.Equal(0xFFFF_FFFFu, ports.In(ConfigPorts.DataPort, 4));
        ports.Out(ConfigPorts.DataPort, 4, 1);
        Assert.Empty(target.Reads);
        Assert.Empty(target.Writes);
    }

    [Theory]
    [InlineData(0xCFD, 4)] // dword not at 0xCFC
    [InlineData(0xCFD, 2)] // misaligned word
    [InlineData(0xCFC, 3)] // three bytes
    public void In_BadDataAccess_OnesWithoutAccess(int port, int size)
    {
        var target = new RecordingConfigTarget();
        var ports = new ConfigPorts(target);
        ports.Out(ConfigPorts.AddressPort, 4, Address(0, 1, 0, 0));

        Assert.Equal(size >= 4 ? uint.MaxValue : (1u << (8 * size)) - 1, ports.In((ushort)port, size));
        Assert.Empty(target.Reads);
    }

    [Fact]
    public void Out_Address_ReservedBitsCleared()
    {
        var ports = new ConfigPorts(new RecordingConfigTarget());

        ports.Out(ConfigPorts.AddressPort, 4, 0xFFFF_FFFF);

        Assert.Equal(0x80FF_FFFCu, ports.In(ConfigPorts.AddressPort, 4));
    }

    [Fact]
    public void Out_DataPort_WritesThroughTheTarget()
    {
        var target = new RecordingConfigTarget();
        var ports = new ConfigPorts(target);
        ports.Out(ConfigPorts.AddressPort, 4, Address(0, 2, 0, 0x04));

        ports.Out(ConfigPorts.DataPort, 2, 0x0006);

        Assert.Equal((0, 2, 0, 0x04, 2, 0x0006u), target.Writes.Single());
    }

    [Theory]
    [InlineData(0xCF7, false)] // below
    [InlineData(0xCF8, true)] // CONFIG_ADDRESS
    [InlineData(0xCFF, true)] // last data port
    [InlineData(0xD00, false)] // above
    public void Claims_Ports(int port, bool claimed) => Assert.Equal(claimed, ConfigPorts.Claims((ushort)port));
}
