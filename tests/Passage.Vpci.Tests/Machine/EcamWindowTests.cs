using System.Buffers.Binary;
using Passage.Vpci.Machine;

namespace Passage.Vpci.Tests.Machine;

public sealed class EcamWindowTests
{
    private static ulong Offset(int bus, int device, int function, int register) =>
        ((ulong)(uint)bus << 20) | ((ulong)(uint)device << 15) | ((ulong)(uint)function << 12) | (uint)register;

    [Theory]
    [InlineData(0, 1, 0, 0x00, 4)] // IDs of 00:01.0
    [InlineData(0, 2, 3, 0x100, 2)] // extended space
    [InlineData(1, 31, 7, 0xFFF, 1)] // last byte of the last function on bus 1
    public void Read_DecodesBusDeviceFunctionRegister(int bus, int device, int function, int register, int size)
    {
        var target = new RecordingConfigTarget();
        var ecam = new EcamWindow(target);

        ecam.Read(Offset(bus, device, function, register), new byte[size]);

        Assert.Equal((bus, device, function, register, size), target.Reads.Single());
    }

    [Fact]
    public void Read_EightBytes_TwoDwordsLowFirst()
    {
        var target = new RecordingConfigTarget();
        var ecam = new EcamWindow(target);
        byte[] data = new byte[8];

        ecam.Read(Offset(0, 1, 0, 0x10), data);

        Assert.Equal([0x10, 0x14], target.Reads.Select(r => r.Register));
        Assert.Equal((uint)(0x10 | (1 << 15)), BinaryPrimitives.ReadUInt32LittleEndian(data));
        Assert.Equal((uint)(0x14 | (1 << 15)), BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(4)));
    }

    [Fact]
    public void Write_EightBytes_TwoDwordsLowFirst()
    {
        var target = new RecordingConfigTarget();
        var ecam = new EcamWindow(target);
        byte[] data = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(data, 0x0000_0001_FFFF_FFFF);

        ecam.Write(Offset(0, 1, 0, 0x10), data);

        Assert.Equal([(0x10, 0xFFFF_FFFFu), (0x14, 0x1u)], target.Writes.Select(w => (w.Register, w.Value)));
    }

    [Theory]
    [InlineData(0x02UL, 4)] // misaligned dword
    [InlineData(0x01UL, 2)] // misaligned word
    [InlineData(0x00UL, 3)] // three bytes
    [InlineData(0x04UL, 8)] // eight bytes not 8-aligned
    [InlineData(256UL << 20, 4)] // past the window
    public void BadAccess_OnesAndNothingReached(ulong offset, int size)
    {
        var target = new RecordingConfigTarget();
        var ecam = new EcamWindow(target);
        byte[] data = new byte[size];

        ecam.Read(offset, data);
        ecam.Write(offset, data);

        Assert.All(data, b => Assert.Equal(0xFF, b));
        Assert.Empty(target.Reads);
        Assert.Empty(target.Writes);
    }
}
