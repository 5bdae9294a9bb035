using Passage.Host.Devices;
using Passage.Host.Linux;

namespace Passage.Host.Tests.Linux;

public sealed class MemFdMemoryTests
{
    [Fact]
    public void Create_NewBlock_IsZeroFilledAndSized()
    {
        using MemFdMemory memory = MemFdMemory.Create(8192);

        Assert.Equal(8192, memory.Length);
        Assert.Equal(8192, memory.Span.Length);
        Assert.True(memory.Span.IndexOfAnyExcept((byte)0) < 0);
        Assert.True(memory.Fd >= 0);
    }

    [Fact]
    public void MapAgain_WriteThroughOne_SeenThroughTheOther()
    {
        using MemFdMemory memory = MemFdMemory.Create(4096);
        using IMappedArea second = memory.MapAgain();

        memory.Span[100] = 0xAB;
        second.Span[4095] = 0xCD;

        Assert.Equal(0xAB, second.Span[100]);
        Assert.Equal(0xCD, memory.Span[4095]);
        Assert.Equal(0ul, second.Offset);
        Assert.Equal(4096ul, second.Size);
    }

    [Fact]
    public void MapAgain_OutlivesTheBlock_KeepsTheMemory()
    {
        MemFdMemory memory = MemFdMemory.Create(4096);
        memory.Span[7] = 0x42;
        using IMappedArea second = memory.MapAgain();

        memory.Dispose();

        Assert.Equal(0x42, second.Span[7]);
    }

    [Fact]
    public void Span_OutOfBounds_Throws()
    {
        using MemFdMemory memory = MemFdMemory.Create(4096);

        Assert.Throws<IndexOutOfRangeException>(() => memory.Span[4096] = 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.Span.Slice(4000, 200));
    }

    [Fact]
    public void Span_AfterDispose_ThrowsObjectDisposed()
    {
        MemFdMemory memory = MemFdMemory.Create(4096);
        IMappedArea second = memory.MapAgain();

        memory.Dispose();
        second.Dispose();

        Assert.Throws<ObjectDisposedException>(() => memory.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => memory.Fd);
        Assert.Throws<ObjectDisposedException>(() => memory.MapAgain());
        Assert.Throws<ObjectDisposedException>(() => second.Span.Length);
    }

    [Fact]
    public void Fd_ReadThroughTheDescriptor_SeesMappedWrites()
    {
        using MemFdMemory memory = MemFdMemory.Create(4096);
        memory.Span[0] = 0x11;
        memory.Span[1] = 0x22;

        // Another process would open the memfd the same way, through its descriptor.
        byte[] bytes = File.ReadAllBytes($"/proc/self/fd/{memory.Fd}");

        Assert.Equal(4096, bytes.Length);
        Assert.Equal(0x11, bytes[0]);
        Assert.Equal(0x22, bytes[1]);
    }

    [Theory]
    [InlineData(0)] // an empty block cannot be mapped
    [InlineData(-1)] // a negative size is nonsense
    public void Create_NonPositiveLength_Throws(int length) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => MemFdMemory.Create(length));

    [Fact]
    public void DuplicateDescriptor_MappedAgain_SharesTheBlockAndOutlivesIt()
    {
        FileDescriptorHandle copy;
        using (MemFdMemory block = MemFdMemory.Create(4096))
        {
            copy = block.DuplicateDescriptor();
            block.Span[7] = 0x42;
            Assert.NotEqual(block.Fd, copy.Fd);
        }

        using (copy)
        using (MappedArea area = MappedArea.Map(copy, 0, 4096, writable: false, areaOffset: 0))
        {
            Assert.Equal(0x42, area.Span[7]);
        }
    }

    [Fact]
    public void Duplicate_ClosedHandle_ThrowsObjectDisposed()
    {
        MemFdMemory block = MemFdMemory.Create(4096);
        FileDescriptorHandle copy = block.DuplicateDescriptor();
        block.Dispose();
        copy.Dispose();

        Assert.Throws<ObjectDisposedException>(() => copy.Duplicate());
    }
}
