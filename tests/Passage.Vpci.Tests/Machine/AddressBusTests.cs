using Passage.Vpci.Machine;

namespace Passage.Vpci.Tests.Machine;

public sealed class AddressBusTests
{
    private sealed class Memory(int size) : IBusDevice
    {
        public byte[] Bytes { get; } = new byte[size];

        public void Read(ulong offset, Span<byte> data) => Bytes.AsSpan((int)offset, data.Length).CopyTo(data);

        public void Write(ulong offset, ReadOnlySpan<byte> data) => data.CopyTo(Bytes.AsSpan((int)offset));
    }

    [Fact]
    public void ReadWrite_DeviceSeesOffsetsWithinItsRange()
    {
        var bus = new AddressBus();
        var mem = new Memory(0x1000);
        Assert.True(bus.Insert(0xE000_0000, 0x1000, mem));

        Assert.True(bus.Write(0xE000_0010, [1, 2, 3, 4]));

        Assert.Equal([1, 2, 3, 4], mem.Bytes[0x10..0x14]);
        byte[] back = new byte[4];
        Assert.True(bus.Read(0xE000_0010, back));
        Assert.Equal([1, 2, 3, 4], back);
    }

    [Theory]
    [InlineData(0x0800UL, 0x1000UL)] // overlaps the start
    [InlineData(0x1800UL, 0x0100UL)] // inside
    [InlineData(0x1F00UL, 0x0200UL)] // overlaps the end
    [InlineData(0x0000UL, 0x3000UL)] // covers it
    [InlineData(0x4000UL, 0x0000UL)] // empty
    [InlineData(ulong.MaxValue, 2UL)] // wraps
    public void Insert_Overlap_Refused(ulong start, ulong length)
    {
        var bus = new AddressBus();
        bus.Insert(0x1000, 0x1000, new Memory(0x1000));

        Assert.False(bus.Insert(start, length, new Memory(16)));
        Assert.Equal(1, bus.Count);
    }

    [Theory]
    [InlineData(0x0FFEUL, 4)] // starts before the range
    [InlineData(0x1FFEUL, 4)] // runs past its end
    [InlineData(0x3000UL, 4)] // unclaimed
    public void Read_NotWhollyInsideOneRange_OnesAndUnserved(ulong address, int size)
    {
        var bus = new AddressBus();
        bus.Insert(0x1000, 0x1000, new Memory(0x1000));
        byte[] data = new byte[size];

        Assert.False(bus.Read(address, data));
        Assert.All(data, b => Assert.Equal(0xFF, b));
        Assert.False(bus.Write(address, data));
    }

    [Fact]
    public void Remove_FreesTheRangeForReuse()
    {
        var bus = new AddressBus();
        bus.Insert(0x1000, 0x1000, new Memory(0x1000));

        Assert.True(bus.Remove(0x1000));
        Assert.False(bus.Remove(0x1000));
        Assert.True(bus.Insert(0x1800, 0x100, new Memory(0x100)));
        Assert.False(bus.Read(0x1000, new byte[4]));
    }

    [Fact]
    public void Find_ManyRanges_EachAnswersItsOwn()
    {
        var bus = new AddressBus();
        var devices = Enumerable.Range(0, 16).Select(_ => new Memory(0x100)).ToArray();
        for (int i = 15; i >= 0; i--)
        {
            Assert.True(bus.Insert((ulong)i * 0x1000, 0x100, devices[i]));
        }

        for (int i = 0; i < 16; i++)
        {
            bus.Write(((ulong)i * 0x1000) + 4, [(byte)i]);
        }

        Assert.All(Enumerable.Range(0, 16), i => Assert.Equal((byte)i, devices[i].Bytes[4]));
    }
}
