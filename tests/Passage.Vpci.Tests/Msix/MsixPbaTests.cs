using Passage.Host.Devices;
using Passage.Vpci.Tests.Function;

namespace Passage.Vpci.Tests.Msix;

/// <summary>The guest's PBA (vpci.md §7.9): aligned 4/8-byte reads of emulated OR host bits, writes dropped.</summary>
public sealed class MsixPbaTests
{
    private const string Nvme = "0000:06:00.0"; // 33 vectors: the PBA is one quadword at BAR0+0x2000

    [Fact]
    public void ReadPba_EmulatedAndHostBits_Ored()
    {
        using var guest = PendingInBothHalves();

        Assert.Equal((1UL << 32) | (1UL << 1), guest.Lab.MmioRead(guest.PbaBase, 8));
        Assert.Equal(1UL << 1, guest.Lab.MmioRead(guest.PbaBase, 4));
        Assert.Equal(1UL, guest.Lab.MmioRead(guest.PbaBase + 4, 4));
    }

    [Fact]
    public void ReadPba_HostReadFails_EmulatedBitsAlone()
    {
        using var guest = PendingInBothHalves();
        guest.Device.FailBarAccess = Errno.EIO;

        Assert.Equal(1UL << 32, guest.Lab.MmioRead(guest.PbaBase, 8));
        Assert.Equal(0UL, guest.Lab.MmioRead(guest.PbaBase, 4));
    }

    [Fact]
    public void ReadPba_Aligned_ReadsHostPbaAtSameOffsetAndWidth()
    {
        using var guest = PendingInBothHalves();
        guest.Device.BarAccesses.Clear();

        guest.Lab.MmioRead(guest.PbaBase + 4, 4);

        RecordingHostDevice.BarAccess access = Assert.Single(guest.Device.BarAccesses);
        Assert.Equal((false, 0, 0x2004UL, 4), (access.IsWrite, access.Region, access.Offset, access.Length));
    }

    [Theory]
    [InlineData(1, 0)] // bytes are not taken
    [InlineData(1, 4)]
    [InlineData(2, 0)]
    [InlineData(2, 6)]
    [InlineData(4, 2)] // a misaligned dword
    [InlineData(8, 4)] // a misaligned quadword (its tail is on the PBA page, past the PBA)
    public void ReadPba_NotAligned4Or8_OnesWithoutHostAccess(int size, int offset)
    {
        using var guest = PendingInBothHalves();
        guest.Device.BarAccesses.Clear();

        ulong value = guest.Lab.MmioRead(guest.PbaBase + (ulong)offset, size);

        Assert.Equal(size == 8 ? ulong.MaxValue : (1UL << (8 * size)) - 1, value);
        Assert.Empty(guest.Device.BarAccesses);
    }

    [Theory]
    [InlineData(8, 0)]
    [InlineData(4, 0)]
    [InlineData(4, 4)]
    [InlineData(1, 0)]
    public void WritePba_Any_DroppedNothingReachesTheDevice(int size, int offset)
    {
        using var guest = PendingInBothHalves();
        guest.Device.BarAccesses.Clear();

        guest.Lab.MmioWrite(guest.PbaBase + (ulong)offset, size, 0);

        Assert.Empty(guest.Device.BarAccesses);
        Assert.Equal((1UL << 32) | (1UL << 1), guest.ReadPba());
    }

    // Vector 32 pending in emulation (programmed, masked, fired); vector 1 pending at the host
    // (never unmasked, so unwired and masked there, and fired).
    private static MsixGuest PendingInBothHalves()
    {
        var guest = MsixGuest.Open(Nvme);
        guest.Enable();
        guest.ProgramAndUnmask(32);
        guest.Mask(32);
        guest.Ring(32);
        guest.Ring(1);
        Assert.True(guest.Msix.IsPending(32) && !guest.Msix.IsPending(1));
        Assert.True(guest.Lab.Sim.Function.IsMsixPending(1) && !guest.Lab.Sim.Function.IsMsixPending(32));
        return guest;
    }
}
