using Passage.Host.Sim.Runtime;

namespace Passage.Host.Tests.Sim;

public sealed class BarStorageTests
{
    [Fact]
    public void Read_Untouched_IsZero()
    {
        var storage = new BarStorage(256UL * 1024 * 1024);
        Assert.Equal(0UL, storage.Read(0x0FFF_FFF8, 8));
    }

    [Theory]
    [InlineData(0x10, 1, 0xABUL)] // byte
    [InlineData(0x12, 2, 0xBEEFUL)] // word
    [InlineData(0x1_0004, 4, 0xDEAD_BEEFUL)] // dword in the second chunk
    [InlineData(0x3FF8, 8, 0x0123_4567_89AB_CDEFUL)] // qword at the end of a small BAR
    public void Write_ThenRead_RoundTrips(ulong offset, int size, ulong value)
    {
        var storage = new BarStorage(128 * 1024);
        storage.Write(offset, size, value);
        Assert.Equal(value, storage.Read(offset, size));
    }

    [Fact]
    public void Write_Dword_IsLittleEndian()
    {
        var storage = new BarStorage(16);
        storage.Write(0, 4, 0x1122_3344);
        Assert.Equal(0x44UL, storage.Read(0, 1));
        Assert.Equal(0x1122UL, storage.Read(2, 2));
    }

    [Fact]
    public void Clear_AfterWrites_ReadsZero()
    {
        var storage = new BarStorage(4096);
        storage.Write(8, 8, ulong.MaxValue);
        storage.Clear();
        Assert.Equal(0UL, storage.Read(8, 8));
    }
}
