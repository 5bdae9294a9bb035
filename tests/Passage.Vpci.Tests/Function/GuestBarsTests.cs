using Passage.Host.Devices;
using Passage.Pci;

namespace Passage.Vpci.Tests.Function;

/// <summary>BAR init and guest BAR access: types, sizing, writes while mapped (vpci.md §5.1, §5.2).</summary>
public sealed class GuestBarsTests
{
    [Theory]
    [InlineData("0000:05:00.0", 2)] // NIC BAR2: 32 bytes of I/O
    [InlineData("0000:01:00.0", 4)] // GPU BAR4: 256 bytes of I/O
    public void ReadConfig_IoBar_ReadsZeroEvenAfterSizing(string address, int bar)
    {
        using var lab = GuestLab.Open(address);
        int reg = ConfigOffsets.Bar0 + (4 * bar);
        Assert.NotEqual(0UL, lab.Device.GetRegionInfo(bar).Size);

        uint initial = lab.Read(reg, 4);
        lab.Write(reg, 4, uint.MaxValue);

        Assert.Equal(0u, initial);
        Assert.Equal(0u, lab.Read(reg, 4));
    }

    [Theory]
    [InlineData("0000:05:00.0", 1)] // NIC: nothing in slot 1
    [InlineData("0000:05:00.0", 4)] // NIC: nothing in slot 4
    [InlineData("0000:05:00.0", 5)] // NIC: nothing in slot 5
    public void WriteConfig_EmptyBarSlot_ReadsZero(string address, int bar)
    {
        using var lab = GuestLab.Open(address);
        int reg = ConfigOffsets.Bar0 + (4 * bar);

        lab.Write(reg, 4, uint.MaxValue);

        Assert.Equal(0u, lab.Read(reg, 4));
    }

    [Theory]
    [InlineData("0000:05:00.0", 0, 0x0u)] // NIC BAR0: mem32
    [InlineData("0000:05:00.0", 3, 0x0u)] // NIC BAR3: mem32
    [InlineData("0000:06:00.0", 0, 0x4u)] // NVMe BAR0: mem64
    [InlineData("0000:01:00.0", 0, 0xCu)] // GPU BAR0: mem64, prefetchable
    [InlineData("0000:01:00.0", 5, 0x0u)] // GPU BAR5: mem32
    public void ReadConfig_MemoryBar_ReadsTypeAndPrefetchableBits(string address, int bar, uint typeBits)
    {
        using var lab = GuestLab.Open(address);

        Assert.Equal(typeBits, lab.Read(ConfigOffsets.Bar0 + (4 * bar), 4));
    }

    [Theory]
    [InlineData("0000:05:00.0", 0, 0xFFF0_0000u)] // NIC BAR0: 1 MiB
    [InlineData("0000:05:00.0", 3, 0xFFFF_C000u)] // NIC BAR3: 16 KiB
    [InlineData("0000:01:00.0", 5, 0xFFFC_0000u)] // GPU BAR5: 256 KiB
    public void WriteConfig_AllOnesToMem32Bar_ReadsSizeMask(string address, int bar, uint mask)
    {
        using var lab = GuestLab.Open(address);
        int reg = ConfigOffsets.Bar0 + (4 * bar);

        lab.Write(reg, 4, uint.MaxValue);

        Assert.Equal(mask, lab.Read(reg, 4));
    }

    [Theory]
    [InlineData("0000:06:00.0", 0, 0xFFFF_C004u)] // NVMe BAR0: 16 KiB mem64
    [InlineData("0000:01:00.0", 0, 0xF000_000Cu)] // GPU BAR0: 256 MiB prefetchable mem64
    [InlineData("0000:01:00.0", 2, 0xFFE0_000Cu)] // GPU BAR2: 2 MiB prefetchable mem64
    public void WriteConfig_AllOnesToBothHalvesOfMem64Bar_ReadsSizeMask(string address, int bar, uint low)
    {
        using var lab = GuestLab.Open(address);
        int reg = ConfigOffsets.Bar0 + (4 * bar);

        lab.Write(reg, 4, uint.MaxValue);
        lab.Write(reg + 4, 4, uint.MaxValue);

        Assert.Equal(low, lab.Read(reg, 4));
        Assert.Equal(uint.MaxValue, lab.Read(reg + 4, 4));
    }

    [Fact]
    public void WriteConfig_AllOnesToMem64BarAbove4GiB_HighHalfCarriesTheSize()
    {
        LayoutHostDevice device = new LayoutHostDevice(LayoutLab.Endpoint().Bar(0, BarKind.Mem64, 0, prefetchable: true)).WithBar(0, 8UL << 30);
        using var lab = LayoutLab.Open(device);

        lab.Write(ConfigOffsets.Bar0, 4, uint.MaxValue);
        lab.Write(ConfigOffsets.Bar0 + 4, 4, uint.MaxValue);

        Assert.Equal(0x0000_000Cu, lab.Read(ConfigOffsets.Bar0, 4));
        Assert.Equal(0xFFFF_FFFEu, lab.Read(ConfigOffsets.Bar0 + 4, 4));
    }

    [Fact]
    public void WriteConfig_Mem64BarAddress_BothHalvesReadBack()
    {
        using var lab = GuestLab.Open("0000:06:00.0");

        lab.Write(ConfigOffsets.Bar0 + 4, 4, 0x40);
        lab.Write(ConfigOffsets.Bar0, 4, 0x1234_4000);

        Assert.Equal(0x1234_4004u, lab.Read(ConfigOffsets.Bar0, 4));
        Assert.Equal(0x40u, lab.Read(ConfigOffsets.Bar0 + 4, 4));
    }

    [Fact]
    public void WriteConfig_AddressInsideTheBar_MaskedToItsAlignment()
    {
        using var lab = GuestLab.Open("0000:05:00.0");

        lab.Write(ConfigOffsets.Bar0, 4, 0x8001_2345);

        Assert.Equal(0x8000_0000u, lab.Read(ConfigOffsets.Bar0, 4));
    }

    [Fact]
    public void WriteConfig_BarWhileMapped_IgnoredAndLoggedThenTakenOnceDecodingIsOff()
    {
        using var lab = GuestLab.Open("0000:05:00.0");
        ulong[] bars = lab.Enable();

        lab.Write(ConfigOffsets.Bar0, 4, 0x9000_0000);
        uint whileMapped = lab.Read(ConfigOffsets.Bar0, 4);
        lab.Command = 0;
        lab.Write(ConfigOffsets.Bar0, 4, 0x9000_0000);

        Assert.Equal((uint)bars[0], whileMapped);
        Assert.Contains(lab.Log, l => l.Contains("ignored while memory decoding is on", StringComparison.Ordinal));
        Assert.Equal(0x9000_0000u, lab.Read(ConfigOffsets.Bar0, 4));
    }

    [Fact]
    public void WriteConfig_Bars_NeverWrittenToTheHost()
    {
        using var lab = GuestLab.Open("0000:05:00.0");
        byte[] hostBars = HostBars(lab);

        lab.Enable();
        lab.Command = 0;
        lab.PlaceBars();

        for (int i = 0; i < 6; i++)
        {
            Assert.Empty(RecordedEvents.ConfigWritesAt(lab.Device.Events, ConfigOffsets.Bar0 + (4 * i)));
        }

        Assert.Equal(hostBars, HostBars(lab));
    }

    [Fact]
    public void Constructor_Mem64BarInTheLastSlot_NotOfferedAndLogged()
    {
        LayoutHostDevice device = new LayoutHostDevice(LayoutLab.Endpoint().Set32(ConfigOffsets.Bar0 + 20, BarEncoding.MemoryType64)).WithBar(5, 0x1000);
        using var lab = LayoutLab.Open(device);

        lab.Write(ConfigOffsets.Bar0 + 20, 4, uint.MaxValue);

        Assert.Equal(0u, lab.Read(ConfigOffsets.Bar0 + 20, 4));
        Assert.Contains(lab.Log, l => l.Contains("BAR5 is not offered", StringComparison.Ordinal));
    }

    [Fact]
    public void Constructor_BarSizeNotAPowerOfTwo_NotOfferedAndLogged()
    {
        LayoutHostDevice device = new LayoutHostDevice(LayoutLab.Endpoint().Bar(0, BarKind.Mem32, 0)).WithBar(0, 0x3000);
        using var lab = LayoutLab.Open(device);

        lab.Write(ConfigOffsets.Bar0, 4, uint.MaxValue);

        Assert.Equal(0u, lab.Read(ConfigOffsets.Bar0, 4));
        Assert.Contains(lab.Log, l => l.Contains("BAR0 is not offered", StringComparison.Ordinal));
    }

    private static byte[] HostBars(GuestLab lab)
    {
        byte[] bytes = new byte[24];
        Assert.Equal(Errno.None, lab.Device.Inner.Read(VfioRegion.Config, ConfigOffsets.Bar0, bytes));
        return bytes;
    }
}
