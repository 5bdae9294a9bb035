using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Vpci.Tests.Function;

namespace Passage.Vpci.Tests.Msix;

/// <summary>
/// The trapped MSI-X pages (vpci.md §7.9): first-byte routing to the table or PBA, the last-byte
/// rule, byte splitting of unaligned accesses, forwarding at the guest's width, failed host
/// accesses — on the Wi-Fi card whose control registers share the table page (table
/// BAR0+0x2000, control registers +0x2800, PBA +0x3000) and the NVMe drive (PBA +0x2000, table +0x3000).
/// </summary>
public sealed class MsixPageTrapTests
{
    private const string Wifi = "0000:02:00.0";
    private const string Nvme = "0000:06:00.0";
    private const ulong Adjacent = 0x2840; // plain device registers beside the Wi-Fi table
    private static readonly byte[] Preset = [.. Enumerable.Range(0x10, 16).Select(b => (byte)b)];

    [Theory]
    [InlineData(0x2000ul, 4)] // entry 0 address
    [InlineData(0x2008ul, 8)] // entry 0 data + vector control
    [InlineData(0x2001ul, 1)] // a byte of the table: refused by the table, still not forwarded
    [InlineData(0x2006ul, 4)] // misaligned
    [InlineData(0x20FCul, 8)] // the last entry's +12, spilling past the table end
    public void Access_FirstByteInTable_TableEmulationNothingForwarded(ulong offset, int size)
    {
        using var guest = OpenWifi();
        guest.Lab.Sim.Write(0, 0x2100, Preset.AsSpan(0, 4));

        guest.Lab.MmioWrite(guest.Bars[0] + offset, size, ulong.MaxValue);
        guest.Lab.MmioRead(guest.Bars[0] + offset, size);

        Assert.Empty(guest.Device.BarAccesses);
        Assert.Equal(Preset[..4], SimBytes(guest, 0x2100, 4)); // the bytes past the table are untouched
    }

    [Fact]
    public void Access_FirstByteInPba_PbaEmulation()
    {
        using var guest = OpenWifi();

        guest.Lab.MmioWrite(guest.Bars[0] + 0x3000, 8, ulong.MaxValue);
        Assert.Empty(guest.Device.BarAccesses); // PBA writes are dropped

        Assert.Equal(0UL, guest.Lab.MmioRead(guest.Bars[0] + 0x3000, 8));
        RecordingHostDevice.BarAccess access = Assert.Single(guest.Device.BarAccesses);
        Assert.Equal((false, 0x3000UL, 8), (access.IsWrite, access.Offset, access.Length)); // the host PBA, ORed in
    }

    [Theory]
    [InlineData(Wifi, 0x2FFCul, 8)] // last byte 0x3003 in the PBA
    [InlineData(Wifi, 0x2FFFul, 2)] // unaligned, last byte 0x3000 in the PBA: refused before splitting
    [InlineData(Wifi, 0x2FF9ul, 8)] // unaligned, last byte 0x3000
    [InlineData(Nvme, 0x2FFCul, 8)] // last byte 0x3003 in the table
    [InlineData(Nvme, 0x2FFEul, 4)] // unaligned, last byte 0x3001 in the table
    public void Access_LastByteInTableOrPba_RefusedBeforeForwarding(string address, ulong offset, int size)
    {
        using var guest = MsixGuest.Open(address);
        guest.Lab.Sim.Write(0, 0x2FF0, Preset);
        guest.Device.BarAccesses.Clear();

        ulong read = guest.Lab.MmioRead(guest.Bars[0] + offset, size);
        guest.Lab.MmioWrite(guest.Bars[0] + offset, size, 0);

        Assert.Equal(size == 8 ? ulong.MaxValue : (1UL << (8 * size)) - 1, read);
        Assert.Empty(guest.Device.BarAccesses);
        Assert.Equal(Preset, SimBytes(guest, 0x2FF0, 16));
    }

    [Fact]
    public void Access_LastByteOffTheTrappedPages_Refused()
    {
        using var guest = OpenWifi();
        var trap = guest.Msix.TrapsFor(0).Single();
        Assert.Equal((0x2000UL, 0x4000UL), (trap.Offset, trap.End));
        byte[] data = new byte[8];

        trap.Target.Read(0x3FFC, data);
        trap.Target.Write(0x3FFC, new byte[8]);

        Assert.Equal(Enumerable.Repeat((byte)0xFF, 8), data);
        Assert.Empty(guest.Device.BarAccesses);
    }

    [Theory]
    [InlineData(0x2841ul, 2)]
    [InlineData(0x2841ul, 4)]
    [InlineData(0x2842ul, 4)]
    [InlineData(0x2843ul, 8)]
    [InlineData(0x2844ul, 8)]
    public void Read_UnalignedAdjacent_SplitIntoSingleBytes(ulong offset, int size)
    {
        using var guest = OpenWifi();
        guest.Lab.Sim.Write(0, Adjacent, Preset);

        ulong value = guest.Lab.MmioRead(guest.Bars[0] + offset, size);

        int at = (int)(offset - Adjacent);
        Assert.Equal(Le(Preset.AsSpan(at, size)), value);
        Assert.Equal(
            Enumerable.Range(0, size).Select(i => new RecordingHostDevice.BarAccess(false, 0, offset + (ulong)i, 1, Preset[at + i])),
            guest.Device.BarAccesses);
    }

    [Theory]
    [InlineData(0x2841ul, 2)]
    [InlineData(0x2843ul, 4)]
    [InlineData(0x2846ul, 4)]
    [InlineData(0x2845ul, 8)]
    [InlineData(0x284Cul, 8)]
    public void Write_UnalignedAdjacent_SplitIntoSingleBytes(ulong offset, int size)
    {
        using var guest = OpenWifi();
        const ulong pattern = 0xE7E6_E5E4_E3E2_E1E0;

        guest.Lab.MmioWrite(guest.Bars[0] + offset, size, pattern);

        byte[] bytes = BitConverter.GetBytes(pattern);
        Assert.Equal(
            Enumerable.Range(0, size).Select(i => new RecordingHostDevice.BarAccess(true, 0, offset + (ulong)i, 1, bytes[i])),
            guest.Device.BarAccesses);
        Assert.Equal(bytes[..size], SimBytes(guest, offset, size));
    }

    [Theory]
    [InlineData(0x2841ul, 1)] // bytes are aligned
    [InlineData(0x2842ul, 2)]
    [InlineData(0x2844ul, 4)]
    [InlineData(0x2848ul, 8)]
    [InlineData(0x2100ul, 4)] // right after the table
    [InlineData(0x3008ul, 8)] // right after the PBA
    [InlineData(0x3FF8ul, 8)] // the last quadword of the trapped pages
    public void Access_AlignedAdjacent_ForwardedOnceAtGuestWidth(ulong offset, int size)
    {
        using var guest = OpenWifi();
        guest.Lab.Sim.Write(0, offset & ~7UL, Preset.AsSpan(0, 8));
        const ulong pattern = 0x8877_6655_4433_2211;

        ulong read = guest.Lab.MmioRead(guest.Bars[0] + offset, size);
        guest.Lab.MmioWrite(guest.Bars[0] + offset, size, pattern);

        Assert.Equal(Le(Preset.AsSpan((int)(offset & 7), size)), read);
        Assert.Equal(
            [(false, offset, size), (true, offset, size)],
            guest.Device.BarAccesses.Select(a => (a.IsWrite, a.Offset, a.Length)));
        Assert.Equal(BitConverter.GetBytes(pattern)[..size], SimBytes(guest, offset, size));
    }

    [Theory]
    [InlineData(0x2840ul, 4)] // aligned: one failed access
    [InlineData(0x2848ul, 8)]
    [InlineData(0x2841ul, 4)] // unaligned: every byte fails
    [InlineData(0x2843ul, 2)]
    public void Read_HostAccessFails_Ones(ulong offset, int size)
    {
        using var guest = OpenWifi();
        guest.Lab.Sim.Write(0, Adjacent, Preset);
        guest.Device.FailBarAccess = Errno.EIO;

        ulong value = guest.Lab.MmioRead(guest.Bars[0] + offset, size);

        Assert.Equal(size == 8 ? ulong.MaxValue : (1UL << (8 * size)) - 1, value);
        Assert.NotEmpty(guest.Device.BarAccesses);
    }

    [Theory]
    [InlineData(0x2804ul, 4)] // SCRATCH in the simulation control block (aligned dwords only)
    [InlineData(0x2820ul, 1)]
    [InlineData(0x2823ul, 1)]
    [InlineData(0x2822ul, 2)]
    [InlineData(0x2825ul, 2)]
    [InlineData(0x2824ul, 4)]
    [InlineData(0x2826ul, 4)]
    [InlineData(0x2828ul, 8)]
    [InlineData(0x282Dul, 8)]
    public void WifiControlRegisters_WrittenAndReadAtAnyWidth_ReachTheDevice(ulong offset, int size)
    {
        using var guest = OpenWifi();
        ulong value = 0x0123_4567_89AB_CDEF & (size == 8 ? ulong.MaxValue : (1UL << (8 * size)) - 1);

        guest.Lab.MmioWrite(guest.Bars[0] + offset, size, value);

        Assert.Equal(value, guest.Lab.MmioRead(guest.Bars[0] + offset, size));
        Assert.Equal(BitConverter.GetBytes(value)[..size], SimBytes(guest, offset, size));
    }

    [Fact]
    public void WifiDoorbell_OnTheTablePage_RaisesTheVector()
    {
        using var guest = OpenWifi();
        guest.Enable();
        guest.ProgramAndUnmask(5);

        guest.Ring(5);

        Assert.Equal([5], guest.DeliveredVectors());
        Assert.Contains(guest.Device.BarAccesses, a => a.IsWrite && a.Offset == 0x2800 && a.Length == 4 && a.Value == 5);
    }

    private static MsixGuest OpenWifi()
    {
        var guest = MsixGuest.Open(Wifi);
        guest.Device.BarAccesses.Clear();
        return guest;
    }

    // What the device holds, read on the host side (not through the guest).
    private static byte[] SimBytes(MsixGuest guest, ulong offset, int size)
    {
        byte[] bytes = new byte[size];
        Assert.Equal(Errno.None, guest.Lab.Sim.Read(0, offset, bytes));
        return bytes;
    }

    private static ulong Le(ReadOnlySpan<byte> bytes)
    {
        Span<byte> value = stackalloc byte[8];
        value.Clear();
        bytes.CopyTo(value);
        return BinaryPrimitives.ReadUInt64LittleEndian(value);
    }
}
