using Passage.Vpci.Interrupts;
using Passage.Vpci.Machine;

namespace Passage.Vpci.Tests.Machine;

public sealed class LapicTests
{
    [Theory]
    [InlineData(0xFEE0_0000UL, 0x30u, 0, 0x30)] // APIC ID 0
    [InlineData(0xFEE0_F00CUL, 0xC031u, 15, 0x31)] // APIC ID 15; delivery mode bits above the vector ignored
    [InlineData(0xFEEF_F000UL, 0xFFu, 255, 0xFF)] // the last APIC ID and vector
    public void Receive_Message_CountedByDestinationAndVector(ulong address, uint data, int destination, int vector)
    {
        var lapic = new Lapic();

        lapic.Receive(new MsiMessage(address, data));

        Assert.Equal(1, lapic.Count(vector));
        Assert.Equal(1, lapic.Count(destination, vector));
        Assert.Equal(0, lapic.Count((destination + 1) % Lapic.Vectors, vector));
        Assert.Equal(1, lapic.Total);
    }

    [Theory]
    [InlineData(0xFEE0_0000UL, true)] // first byte
    [InlineData(0xFEEF_FFFFUL, true)] // last byte
    [InlineData(0xFEDF_FFFFUL, false)] // just below
    [InlineData(0xFEF0_0000UL, false)] // just above
    public void Contains_Address_OnlyTheInterruptRange(ulong address, bool expected)
    {
        Assert.Equal(expected, Lapic.Contains(address));
    }

    [Fact]
    public void WaitForCount_ReachedByAnotherThread_ReturnsTrue()
    {
        var lapic = new Lapic();
        using var go = new ManualResetEventSlim();
        var sender = new Thread(() =>
        {
            go.Wait();
            for (int i = 0; i < 3; i++)
            {
                lapic.Receive(new MsiMessage(Lapic.Base, 0x45));
            }
        });
        sender.Start();

        go.Set();
        bool reached = lapic.WaitForCount(0x45, 3, TimeSpan.FromSeconds(30));
        sender.Join();

        Assert.True(reached);
        Assert.Equal(3, lapic.Count(0x45));
    }

    [Fact]
    public void WaitForCount_BlockedWaiter_WokenByTheMessage()
    {
        var lapic = new Lapic();
        bool reached = false;
        var waiter = new Thread(() => reached = lapic.WaitForCount(0x50, 1, Timeout.InfiniteTimeSpan));
        waiter.Start();
        Assert.True(SpinWait.SpinUntil(() => lapic.Waiters == 1, TimeSpan.FromSeconds(30)), "the waiter never blocked");

        lapic.Receive(new MsiMessage(Lapic.Base, 0x50));
        waiter.Join();

        Assert.True(reached);
        Assert.Equal(0, lapic.Waiters);
    }

    [Fact]
    public void WaitForCount_AlreadyReached_ReturnsTrueWithoutWaiting()
    {
        var lapic = new Lapic();
        lapic.Receive(new MsiMessage(Lapic.Base, 0x45));

        Assert.True(lapic.WaitForCount(0x45, 1, TimeSpan.Zero));
    }

    [Fact]
    public void WaitForCount_NeverReached_TimesOutFalse()
    {
        var lapic = new Lapic();
        lapic.Receive(new MsiMessage(Lapic.Base, 0x46));

        bool reached = lapic.WaitForCount(0x45, 1, TimeSpan.FromMilliseconds(20));

        Assert.False(reached);
        Assert.Equal(0, lapic.Count(0x45));
    }

    [Fact]
    public void Count_VectorOutOfRange_Throws()
    {
        var lapic = new Lapic();

        Assert.Throws<ArgumentOutOfRangeException>(() => lapic.Count(256));
        Assert.Throws<ArgumentOutOfRangeException>(() => lapic.Count(-1, 0));
    }

    [Fact]
    public void Read_AnyOffset_ReadsZero()
    {
        var lapic = new Lapic();
        byte[] data = [1, 2, 3, 4];

        lapic.Read(0x20, data);
        lapic.Write(0x20, [9, 9, 9, 9]);

        Assert.Equal([0, 0, 0, 0], data);
    }
}
