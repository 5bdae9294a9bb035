using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Vpci.Interrupts;
using Passage.Vpci.Msix;
using Passage.Vpci.Tests.Function;

namespace Passage.Vpci.Tests.Msix;

/// <summary>The guest's MSI-X table (vpci.md §7.4): access sizes and offsets, fields, entry arithmetic, deferred messages.</summary>
public sealed class MsixTableTests
{
    private const string Nic = "0000:05:00.0";
    private const ulong Address = 0x1122_3344_5566_7788;
    private const uint Data = 0x99AA_BBCC;
    private const ulong Pattern = 0xF7F6_F5F4_F3F2_F1F0; // byte 0 even: a 4-byte write at +12 unmasks

    /// <summary>Every (size, offset within an entry) pair a guest can issue.</summary>
    public static TheoryData<int, int> EveryAccess()
    {
        var data = new TheoryData<int, int>();
        foreach (int size in new[] { 1, 2, 4, 8 })
        {
            for (int offset = 0; offset < 16; offset++)
            {
                data.Add(size, offset);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryAccess))]
    public void ReadTable_SizeAndOffset_OnlyAligned4Or8Taken(int size, int offset)
    {
        using var guest = MsixGuest.Open(Nic);
        guest.Program(1, Address, Data); // entry 1 stays masked: vector control reads 1

        ulong value = guest.Lab.MmioRead(guest.Entry(1) + (ulong)offset, size);

        ulong expected = Taken(size, offset) ? Slice(Image(Address, Data, 1), offset, size) : Ones(size);
        Assert.Equal(expected, value);
        Assert.Equal(Taken(size, offset), !guest.Lab.Log.Any(l => l.Contains("refused", StringComparison.Ordinal)));
        Assert.Empty(guest.Device.BarAccesses); // table bytes never reach the device
    }

    [Theory]
    [MemberData(nameof(EveryAccess))]
    public void WriteTable_SizeAndOffset_OnlyAligned4Or8TakenElseDropped(int size, int offset)
    {
        using var guest = MsixGuest.Open(Nic);
        guest.Program(0, 0xA0A0_A0A0_A0A0_A0A0, 0xA0A0_A0A0);
        guest.Program(1, Address, Data);
        guest.Program(2, 0xB0B0_B0B0_B0B0_B0B0, 0xB0B0_B0B0);
        guest.Lab.Log.Clear();

        guest.Lab.MmioWrite(guest.Entry(1) + (ulong)offset, size, Pattern);

        byte[] expected = Image(Address, Data, 1);
        if (Taken(size, offset))
        {
            BitConverter.GetBytes(Pattern).AsSpan(0, size).CopyTo(expected.AsSpan(offset));
            expected[12] &= 1; // vector control keeps only its mask bit
            expected.AsSpan(13).Clear();
        }

        Assert.Equal(expected, ReadEntry(guest, 1));
        Assert.Equal(Image(0xA0A0_A0A0_A0A0_A0A0, 0xA0A0_A0A0, 1), ReadEntry(guest, 0));
        Assert.Equal(Image(0xB0B0_B0B0_B0B0_B0B0, 0xB0B0_B0B0, 1), ReadEntry(guest, 2));
        Assert.Equal(expected[12] == 1, guest.Msix.IsMasked(1));
        Assert.Equal(Taken(size, offset), !guest.Lab.Log.Any(l => l.Contains("dropped", StringComparison.Ordinal)));
        Assert.Empty(guest.Device.BarAccesses);
    }

    [Theory]
    [InlineData(0xFFFF_FFFFu, 1u)] // reserved and TPH bits read 0
    [InlineData(0xFFFF_FFFEu, 0u)] // unmasked, the rest ignored
    [InlineData(0x0001_0001u, 1u)]
    public void WriteVectorControl_Value_OnlyBit0ReadsBack(uint written, uint readBack)
    {
        using var guest = MsixGuest.Open(Nic);

        guest.Lab.MmioWrite(guest.Entry(3) + 12, 4, written);

        Assert.Equal(readBack, guest.VectorControl(3));
        Assert.Equal((ulong)readBack << 32, guest.Lab.MmioRead(guest.Entry(3) + 8, 8));
    }

    [Fact]
    public void MsixTable_EntryAtOrBeyondN_RefusedReadsOnesWritesDropped()
    {
        var table = new MsixTable(4);
        Span<byte> data = stackalloc byte[8];
        byte[] zero = new byte[8];

        Assert.True(table.Read(48 + 12, data[..4])); // entry 3, the last one
        Assert.False(table.Read(64, data[..4])); // entry 4
        Assert.False(table.Read(64 + 8, data));
        Assert.False(table.Read(16 * 1000, data[..4]));
        Assert.Equal(MsixTableChange.Invalid, table.Write(64, zero.AsSpan(0, 4), out _));
        Assert.Equal(MsixTableChange.Invalid, table.Write(64 + 12, zero.AsSpan(0, 4), out _));
        Assert.All(Enumerable.Range(0, 4), v => Assert.True(table.IsMasked(v) && table.Address(v) == 0));
    }

    [Fact]
    public void ReadTable_EntryBeyondN_Ones()
    {
        using var guest = MsixGuest.Open(Nic);
        Span<byte> data = stackalloc byte[4];

        guest.Msix.ReadTable(guest.Msix.TableOffset + (16 * 5), data);

        Assert.Equal(uint.MaxValue, BinaryPrimitives.ReadUInt32LittleEndian(data));
    }

    [Fact]
    public void Table_OffsetEightModSixteen_EntryAndFieldCountedFromTableStart()
    {
        var config = LayoutHostDevice.MsixLayout(0x1234, 0x0002, 4, 0, 0x1008, 0, 0x1800);
        using var lab = LayoutLab.Open(new LayoutHostDevice(config, (0, BarKind.Mem32, 0x2000)) { MsixCount = 4 });
        MsixEmulation msix = lab.Function.Msix!;
        var trap = msix.TrapsFor(0).Single().Target;

        trap.Write(0x1018, BitConverter.GetBytes(0xFEE0_5000u)); // entry 1 +0
        trap.Write(0x1020, BitConverter.GetBytes(0x77u)); // entry 1 +8
        trap.Write(0x1024, BitConverter.GetBytes(0u)); // entry 1 +12: unmask

        Assert.Equal((0xFEE0_5000UL, 0x77u, false), (msix.Table.Address(1), msix.Table.Data(1), msix.IsMasked(1)));
        Assert.Equal((0UL, 0u, true), (msix.Table.Address(0), msix.Table.Data(0), msix.IsMasked(0)));
        Assert.True(msix.IsMasked(2));
        byte[] quad = new byte[8];
        trap.Read(0x1010, quad); // entry 0 +8: data and vector control
        Assert.Equal(1UL << 32, BitConverter.ToUInt64(quad));
        trap.Read(0x1018, quad); // entry 1 +0: the whole address
        Assert.Equal(0xFEE0_5000UL, BitConverter.ToUInt64(quad));

        // The odd layout works end to end: enabling wires entry 1, the device's signal arrives with its message.
        lab.Function.WriteConfig(0x40 + MsixCapability.ControlOffset, 2, MsixCapability.Enable);
        Assert.True(lab.Device.Fire(VfioIrq.Msix, 1));
        lab.Router.Drain();
        Assert.Equal([new MsiMessage(0xFEE0_5000, 0x77)], lab.Sink.Messages);
    }

    [Theory]
    [InlineData("mask")] // mask then unmask the entry
    [InlineData("function")] // Function Mask set then cleared
    [InlineData("enable")] // MSI-X disabled then enabled
    public void WriteAddressData_WhileUnmasked_TakesEffectOnlyAtNextUnmaskOrEnable(string cycle)
    {
        using var guest = MsixGuest.Open(Nic);
        guest.Enable();
        guest.Program(0, 0xFEE0_1000, 0x41);
        guest.Unmask(0);
        guest.Ring(0);
        int calls = guest.Device.IrqCalls.Count;

        guest.Program(0, 0xFEE0_2000, 0x52);
        guest.Ring(0);

        Assert.Equal(calls, guest.Device.IrqCalls.Count); // no host or router effect while unmasked
        Assert.True(guest.Msix.Table.IsUpdated(0));
        Assert.Equal(new MsiMessage(0xFEE0_1000, 0x41), guest.Msix.LatchedMessage(0));

        switch (cycle)
        {
            case "mask":
                guest.Mask(0);
                guest.Unmask(0);
                break;
            case "function":
                guest.Enable(functionMask: true);
                guest.Enable();
                break;
            default:
                guest.Disable();
                guest.Enable();
                break;
        }

        guest.Ring(0);
        Assert.Equal([new MsiMessage(0xFEE0_1000, 0x41), new MsiMessage(0xFEE0_1000, 0x41), new MsiMessage(0xFEE0_2000, 0x52)], guest.Lab.Sink.Messages);
        Assert.False(guest.Msix.Table.IsUpdated(0));
    }

    private static bool Taken(int size, int offset) => (size == 4 && offset % 4 == 0) || (size == 8 && offset is 0 or 8);

    private static ulong Ones(int size) => size == 8 ? ulong.MaxValue : (1UL << (8 * size)) - 1;

    private static byte[] Image(ulong address, uint data, uint vectorControl)
    {
        byte[] image = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(image, address);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(8), data);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(12), vectorControl);
        return image;
    }

    private static ulong Slice(byte[] image, int offset, int size)
    {
        byte[] value = new byte[8];
        image.AsSpan(offset, size).CopyTo(value);
        return BinaryPrimitives.ReadUInt64LittleEndian(value);
    }

    // The entry as four aligned dword reads.
    private static byte[] ReadEntry(MsixGuest guest, int vector)
    {
        byte[] entry = new byte[16];
        for (int i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(4 * i), (uint)guest.Lab.MmioRead(guest.Entry(vector) + (ulong)(4 * i), 4));
        }

        return entry;
    }
}
