using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Host.Inventory;
using Passage.Host.Policy;
using Passage.Host.Tests.Sim;
using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Tests.Policy;

public sealed class VirtualConfigSpaceTests(LabHost lab) : IClassFixture<LabHost>
{
    private const string Nvme = "0000:06:00.0";
    private const string Nic = "0000:05:00.0";
    private const string Gpu = "0000:01:00.0";
    private const string Ahci = "0000:00:1f.2";

    private (VirtualConfigSpace Space, FakeConfigHardware Hw, RecordingEvents Events) Open(string address)
    {
        HostFunction f = lab[address];
        var hw = new FakeConfigHardware(f.Config);
        var events = new RecordingEvents();
        ulong[] sizes = [.. Enumerable.Range(0, 6).Select(i => f.BarSize(i))];
        return (new VirtualConfigSpace(hw, f.Config, sizes, f.BarSize(BarResource.RomIndex), events), hw, events);
    }

    private static (VirtualConfigSpace Space, FakeConfigHardware Hw, RecordingEvents Events) Open(ConfigSpace config)
    {
        var hw = new FakeConfigHardware(config);
        var events = new RecordingEvents();
        return (new VirtualConfigSpace(hw, config, new ulong[6], 0, events), hw, events);
    }

    private static uint Read(VirtualConfigSpace space, int offset, int size)
    {
        Span<byte> b = stackalloc byte[4];
        Assert.Equal(Errno.None, space.Read(offset, b[..size]));
        return size switch { 1 => b[0], 2 => BinaryPrimitives.ReadUInt16LittleEndian(b), _ => BinaryPrimitives.ReadUInt32LittleEndian(b) };
    }

    private static void Write(VirtualConfigSpace space, int offset, int size, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        Assert.Equal(Errno.None, space.Write(offset, b[..size]));
    }

    private int Cap(string address, CapabilityId id) =>
        lab[address].Decoded.Capabilities.Single(c => c.Entry.Id == (int)id).Entry.Offset;

    private int ExtCap(string address, ExtendedCapabilityId id) =>
        lab[address].Decoded.ExtendedCapabilities.Single(c => c.Entry.Id == (int)id).Entry.Offset;

    [Theory]
    [InlineData(0x00, 4)] // Vendor/Device ID: virtual, read-only
    [InlineData(0x06, 2)] // Status: no writes at all, RW1C bits cannot be cleared
    [InlineData(0x08, 4)] // revision and class: read-through, read-only
    [InlineData(0x2C, 4)] // subsystem IDs: read-through, read-only
    [InlineData(0x34, 1)] // capability pointer: virtual, read-only
    [InlineData(0x3D, 1)] // interrupt pin: virtual, read-only
    public void Write_ReadOnlyHeaderRegister_DroppedWithoutTouchingHardware(int offset, int size)
    {
        (VirtualConfigSpace space, FakeConfigHardware hw, _) = Open(Nvme);
        uint before = Read(space, offset, size);

        Write(space, offset, size, 0xA5A5A5A5);

        Assert.Equal(before, Read(space, offset, size));
        Assert.Empty(hw.Writes);
    }

    [Theory]
    [InlineData(0x0C)] // cache line size
    [InlineData(0x0D)] // latency timer
    [InlineData(0x0F)] // BIST
    public void Write_HardwareWritableHeaderByte_ReachesHardware(int offset)
    {
        (VirtualConfigSpace space, FakeConfigHardware hw, _) = Open(Nvme);

        Write(space, offset, 1, 0x10);

        Assert.Equal(0x10, hw.Bytes[offset]);
        Assert.Equal(0x10u, Read(space, offset, 1));
    }

    [Fact]
    public void Write_CommandIntxDisable_VirtualOnlyOtherBitsReachHardware()
    {
        (VirtualConfigSpace space, FakeConfigHardware hw, RecordingEvents events) = Open(Nvme);
        ushort hardwareBefore = hw.Hw16(ConfigOffsets.Command);

        Write(space, ConfigOffsets.Command, 2, (uint)(PciCommand.InterruptDisable | PciCommand.MemorySpace | PciCommand.SerrEnable));

        Assert.Equal(0, hw.Hw16(ConfigOffsets.Command) & (ushort)PciCommand.InterruptDisable);
        Assert.Equal((ushort)(PciCommand.MemorySpace | PciCommand.SerrEnable), hw.Hw16(ConfigOffsets.Command));
        Assert.Equal((uint)(PciCommand.InterruptDisable | PciCommand.MemorySpace | PciCommand.SerrEnable), Read(space, ConfigOffsets.Command, 2));
        Assert.Equal((PciCommand)hardwareBefore, events.Commands.Single().Previous & ~PciCommand.InterruptDisable);
        Assert.Equal(PciCommand.InterruptDisable | PciCommand.MemorySpace | PciCommand.SerrEnable, events.Commands.Single().Current);
    }

    [Theory]
    [InlineData(Nvme, 0x10, 0xFFFFC004u)] // 16 KiB 64-bit BAR0: size mask plus its type bits
    [InlineData(Nvme, 0x14, 0xFFFFFFFFu)] // its upper half: all address bits
    [InlineData(Nic, 0x10, 0xFFF00000u)] // 1 MiB 32-bit BAR0
    [InlineData(Nic, 0x14, 0x00000000u)] // BAR1 unimplemented: reads 0
    [InlineData(Nic, 0x18, 0xFFFFFFE1u)] // 32-byte I/O BAR2 keeps its I/O bit
    [InlineData(Nic, 0x1C, 0xFFFFC000u)] // 16 KiB 32-bit BAR3
    [InlineData(Gpu, 0x10, 0xF000000Cu)] // 256 MiB 64-bit prefetchable
    public void Write_AllOnesToBar_ReadsSizeMaskWithTypeBits(string address, int offset, uint expected)
    {
        (VirtualConfigSpace space, FakeConfigHardware hw, _) = Open(address);

        Write(space, offset, 4, 0xFFFFFFFF);

        Assert.Equal(expected, Read(space, offset, 4));
        Assert.Empty(hw.Writes);
    }

    [Fact]
    public void Write_AddressToBar_StoredMaskedToItsSize()
    {
        (VirtualConfigSpace space, _, _) = Open(Nvme);

        Write(space, ConfigOffsets.Bar0, 4, 0xE0001234);

        Assert.Equal(0xE0000004u, Read(space, ConfigOffsets.Bar0, 4));
    }

    [Fact]
    public void Write_UnimplementedBar_ReadsZero()
    {
        (VirtualConfigSpace space, _, _) = Open(Nvme);

        Write(space, ConfigOffsets.Bar0 + 8, 4, 0xFFFFFFFF);

        Assert.Equal(0u, Read(space, ConfigOffsets.Bar0 + 8, 4));
    }

    [Fact]
    public void Write_RomBar_SizedAndEnableKept()
    {
        (VirtualConfigSpace space, FakeConfigHardware hw, _) = Open(Nic);

        Write(space, ConfigOffsets.RomBar, 4, 0xFFFFF801);

        Assert.Equal(0xFFF00001u, Read(space, ConfigOffsets.RomBar, 4));
        Assert.Empty(hw.Writes);
    }

    [Fact]
    public void Write_InterruptLine_VirtualAndWritable()
    {
        (VirtualConfigSpace space, FakeConfigHardware hw, _) = Open(Nvme);

        Write(space, ConfigOffsets.InterruptLine, 1, 11);

        Assert.Equal(11u, Read(space, ConfigOffsets.InterruptLine, 1));
        Assert.Equal(0, hw.Bytes[ConfigOffsets.InterruptLine]);
    }

    [Fact]
    public void Read_PowerManagement_PmeVirtualizedAway()
    {
        (VirtualConfigSpace space, _, _) = Open(Nic); // the I210 model advertises PME from D0, D3hot, D3cold
        int pm = Cap(Nic, CapabilityId.PowerManagement);

        Assert.Equal(0u, Read(space, pm + PowerManagementCapability.CapabilitiesOffset, 2) & PowerManagementCapability.PmeSupportMask);
    }

    [Fact]
    public void Write_PmcsrDState_ReportedNotWrittenToHardware()
    {
        (VirtualConfigSpace space, FakeConfigHardware hw, RecordingEvents events) = Open(Nic);
        int pmcsr = Cap(Nic, CapabilityId.PowerManagement) + PowerManagementCapability.ControlStatusOffset;

        Write(space, pmcsr, 2, 0x0003 | PowerManagementCapability.PmeEnable);

        Assert.Equal([3], events.PowerStates);
        Assert.Equal(0, hw.Hw16(pmcsr) & (PowerManagementCapability.PowerStateMask | PowerManagementCapability.PmeEnable));
        Assert.Equal((uint)PowerManagementCapability.PmeEnable, Read(space, pmcsr, 2) & PowerManagementCapability.PmeEnable);
    }

    [Theory]
    [InlineData(false, 0, 0x0001, 0x0000)] // Enable without SET_IRQS is forced off
    [InlineData(true, 1, 0x0001, 0x0001)] // Enable after SET_IRQS enabled MSI stays
    [InlineData(true, 4, 0x0051, 0x0021)] // MME 32 requested with 4 allocated is clamped to 4 (log2 2)
    [InlineData(true, 32, 0x0051, 0x0051)] // MME 32 with 32 allocated stays
    public void Write_MsiControl_EnableAndMmeFollowSetIrqs(bool enabled, int allocated, int written, int expected)
    {
        (VirtualConfigSpace space, FakeConfigHardware hw, RecordingEvents events) = Open(Nvme);
        events.MsiEnabled = enabled;
        events.MsiVectorsAllocated = allocated;
        int control = Cap(Nvme, CapabilityId.Msi) + MsiCapability.ControlOffset;

        Write(space, control, 2, (uint)written);

        Assert.Equal((uint)expected, Read(space, control, 2) & 0x71);
        Assert.Equal(expected, hw.Hw16(control) & 0x71); // the word goes to hardware as well
    }

    [Fact]
    public void Write_MsiAddressAndData_VirtualMaskBitsReachHardware()
    {
        (VirtualConfigSpace space, FakeConfigHardware hw, _) = Open(Nvme); // 64-bit MSI with per-vector masking
        int msi = Cap(Nvme, CapabilityId.Msi);

        Write(space, msi + 4, 4, 0xFEE01000);
        Write(space, msi + 0xC, 2, 0x4021);
        Write(space, msi + 0x10, 4, 0x5);

        Assert.Equal(0xFEE01000u, Read(space, msi + 4, 4));
        Assert.Equal(0u, hw.Hw32(msi + 4));
        Assert.Equal(0x4021u, Read(space, msi + 0xC, 2));
        Assert.Equal(0x5u, hw.Hw32(msi + 0x10));
    }

    [Fact]
    public void Write_MsixControl_DroppedEnableOnlyThroughSetIrqs()
    {
        (VirtualConfigSpace space, FakeConfigHardware hw, _) = Open(Nvme);
        int control = Cap(Nvme, CapabilityId.MsiX) + MsixCapability.ControlOffset;

        Write(space, control, 2, MsixCapability.Enable | MsixCapability.FunctionMask);

        Assert.Equal(0u, Read(space, control, 2) & (MsixCapability.Enable | MsixCapability.FunctionMask));
        Assert.Empty(hw.Writes);
    }

    [Fact]
    public void Write_DeviceControlFlr_RequestsResetAndReadsZero()
    {
        (VirtualConfigSpace space, FakeConfigHardware hw, RecordingEvents events) = Open(Nvme);
        int devctl = Cap(Nvme, CapabilityId.PciExpress) + PciExpressCapability.DeviceControlOffset;

        Write(space, devctl, 2, PciExpressCapability.InitiateFlr | 0x000F);

        Assert.Equal(1, events.FunctionLevelResets);
        Assert.Equal(0u, Read(space, devctl, 2) & PciExpressCapability.InitiateFlr);
        Assert.Equal(0x000F, hw.Hw16(devctl) & 0x000F); // error reporting enables reach hardware
        Assert.Equal(0, hw.Hw16(devctl) & PciExpressCapability.InitiateFlr);
    }

    [Fact]
    public void Write_DeviceControlFlrWithoutCapability_NoReset()
    {
        (VirtualConfigSpace space, _, RecordingEvents events) = Open(Gpu); // RX 580: no FLR
        int devctl = Cap(Gpu, CapabilityId.PciExpress) + PciExpressCapability.DeviceControlOffset;

        Write(space, devctl, 2, PciExpressCapability.InitiateFlr);

        Assert.Equal(0, events.FunctionLevelResets);
    }

    [Fact]
    public void Write_DeviceControlPayloadSizes_MpsVirtualMrrsAtLeastMps()
    {
        (VirtualConfigSpace space, FakeConfigHardware hw, _) = Open(Nvme);
        int devctl = Cap(Nvme, CapabilityId.PciExpress) + PciExpressCapability.DeviceControlOffset;
        hw.Bytes[devctl] = (byte)((hw.Bytes[devctl] & 0x1F) | (1 << 5)); // hardware MPS 256

        Write(space, devctl, 2, 0x0001 | (2 << 5) | 0x0200); // guest: MPS 512, MRRS 128, phantom functions

        Assert.Equal(1, (hw.Hw16(devctl) >> 5) & 7); // MPS is virtual only
        Assert.Equal(1, (hw.Hw16(devctl) >> 12) & 7); // MRRS raised to the hardware MPS (256)
        Assert.Equal(2u, (Read(space, devctl, 2) >> 5) & 7); // the guest sees its MPS
        Assert.Equal(0, hw.Hw16(devctl) & 0x0200); // phantom functions never reach hardware
    }

    [Fact]
    public void Write_DeviceControl2_AriForwardingDropped()
    {
        (VirtualConfigSpace space, FakeConfigHardware hw, _) = Open(Nvme);
        int devctl2 = Cap(Nvme, CapabilityId.PciExpress) + PciExpressCapability.DeviceControl2Offset;

        Write(space, devctl2, 2, 0x0020 | 0x0400);

        Assert.Equal(0x0400, hw.Hw16(devctl2) & 0x0420);
    }

    [Fact]
    public void Write_AdvancedFeaturesFlr_RequestsReset()
    {
        (VirtualConfigSpace space, _, RecordingEvents events) = Open(Ahci);

        Write(space, Cap(Ahci, CapabilityId.AdvancedFeatures) + AdvancedFeaturesCapability.ControlOffset, 1, 1);

        Assert.Equal(1, events.FunctionLevelResets);
    }

    [Theory]
    [InlineData(AerCapability.UncorrectableStatusOffset, 0xFFFFFFFFu, AerCapability.UncorrectableDefined)] // RW1C defined bits only
    [InlineData(AerCapability.UncorrectableSeverityOffset, 0xFFFFFFFFu, AerCapability.UncorrectableDefined)] // severity likewise
    [InlineData(AerCapability.CorrectableMaskOffset, 0xFFFFFFFFu, AerCapability.CorrectableDefined)] // correctable mask
    [InlineData(AerCapability.CapabilitiesControlOffset, 0xFFFFFFFFu, 0x140u)] // only the ECRC enables
    public void Write_AerRegister_OnlyDefinedBitsReachHardware(int register, uint written, uint reaching)
    {
        (VirtualConfigSpace space, FakeConfigHardware hw, _) = Open(Nvme);
        int aer = ExtCap(Nvme, ExtendedCapabilityId.Aer);
        uint before = hw.Hw32(aer + register);

        Write(space, aer + register, 4, written);

        Assert.Equal((before & ~reaching) | (written & reaching), hw.Hw32(aer + register));
    }

    [Fact]
    public void Write_PowerBudgeting_OnlyTheDataLowByteReachesHardware()
    {
        (VirtualConfigSpace space, FakeConfigHardware hw, _) = Open(Nvme);
        int pwr = ExtCap(Nvme, ExtendedCapabilityId.PowerBudgeting);

        Write(space, pwr + 4, 1, 0x7); // Data Select: dropped, as the kernel's code does
        Write(space, pwr + 8, 1, 0x9);

        Assert.Equal(0, hw.Bytes[pwr + 4]);
        Assert.Equal(0x9, hw.Bytes[pwr + 8]);
    }

    [Fact]
    public void Read_ExtendedChain_HiddenCapabilitiesSkipped()
    {
        (VirtualConfigSpace space, _, _) = Open(Nvme); // AER, DSN, PWR, Secondary PCIe (hidden), LTR, L1 PM (hidden)

        var chain = new List<int>();
        for (int at = 0x100, guard = 0; at != 0 && guard < 16; guard++)
        {
            uint header = Read(space, at, 4);
            chain.Add((int)(header & 0xFFFF));
            at = (int)(header >> 20);
        }

        Assert.Equal([0x0001, 0x0003, 0x0004, 0x0018], chain);
    }

    [Fact]
    public void Read_HiddenFirstExtended_PlaceholderKeepsTheChain()
    {
        ConfigSpace config = new ConfigSpaceBuilder(4096).Identity(0x8086, 0x1533, 0x020000)
            .Capability(0x40, CapabilityId.PciExpress, CapabilityLayouts.PciExpress(PcieDeviceType.Endpoint))
            .ExtendedCapability(0x100, ExtendedCapabilityId.L1PmSubstates, 1, CapabilityLayouts.L1PmSubstates())
            .ExtendedCapability(0x110, ExtendedCapabilityId.Aer, 2, CapabilityLayouts.Aer())
            .Build();
        (VirtualConfigSpace space, _, _) = Open(config);

        Assert.Equal(0x110u << 20, Read(space, 0x100, 4));
        Assert.Equal(0x0001u, Read(space, 0x110, 4) & 0xFFFF);
    }

    [Fact]
    public void Read_OnlyHiddenExtended_ZeroAt0x100()
    {
        ConfigSpace config = new ConfigSpaceBuilder(4096).Identity(0x8086, 0x1533, 0x020000)
            .Capability(0x40, CapabilityId.PciExpress, CapabilityLayouts.PciExpress(PcieDeviceType.Endpoint))
            .ExtendedCapability(0x100, ExtendedCapabilityId.L1PmSubstates, 1, CapabilityLayouts.L1PmSubstates())
            .Build();
        (VirtualConfigSpace space, _, _) = Open(config);

        Assert.Equal(0u, Read(space, 0x100, 4));
    }

    [Fact]
    public void Read_OnlyHiddenStandard_CapListClearedAndPointerZero()
    {
        ConfigSpace config = new ConfigSpaceBuilder(256).Identity(0x8086, 0x1533, 0x020000)
            .Capability(0x40, CapabilityId.SlotId, [0, 0])
            .Build();
        (VirtualConfigSpace space, _, _) = Open(config);

        Assert.Equal(0u, Read(space, ConfigOffsets.Status, 2) & (uint)PciStatus.CapabilitiesList);
        Assert.Equal(0u, Read(space, ConfigOffsets.CapabilitiesPointer, 1));
    }

    [Fact]
    public void Read_HiddenStandardInTheMiddle_PreviousPointerSkipsIt()
    {
        ConfigSpace config = new ConfigSpaceBuilder(256).Identity(0x8086, 0x1533, 0x020000)
            .Capability(0x40, CapabilityId.PowerManagement, CapabilityLayouts.PowerManagement())
            .Capability(0x50, CapabilityId.CompactPciHotSwap, [0, 0])
            .Capability(0x60, CapabilityId.Msi, CapabilityLayouts.Msi(false, false))
            .Build();
        (VirtualConfigSpace space, _, _) = Open(config);

        Assert.Equal(0x60u, Read(space, 0x41, 1));
        Assert.Equal(0u, Read(space, 0x61, 1));
    }

    [Fact]
    public void Write_VendorSpecificAndVsec_WriteThroughToHardware()
    {
        (VirtualConfigSpace space, FakeConfigHardware hw, _) = Open(Gpu); // [48] vendor specific, [100] VSEC

        Write(space, 0x48 + 4, 4, 0x12345678);
        Write(space, 0x100 + 8, 4, 0x9ABCDEF0);

        Assert.Equal(0x12345678u, hw.Hw32(0x48 + 4));
        Assert.Equal(0x9ABCDEF0u, hw.Hw32(0x108));
    }

    [Fact]
    public void Write_ReadOnlyExtendedCapability_Dropped()
    {
        (VirtualConfigSpace space, FakeConfigHardware hw, _) = Open(Gpu);
        int acs = ExtCap(Gpu, ExtendedCapabilityId.Acs);

        Write(space, acs + AcsCapability.ControlOffset, 2, 0);

        Assert.Empty(hw.Writes);
        Assert.NotEqual(0u, Read(space, acs + AcsCapability.ControlOffset, 2));
    }

    [Fact]
    public void Write_GapOutsideEveryCapability_RawHardware()
    {
        (VirtualConfigSpace space, FakeConfigHardware hw, _) = Open(Nvme); // nothing lives at 0xF0

        Write(space, 0xF0, 4, 0xCAFEF00D);

        Assert.Equal(0xCAFEF00Du, hw.Hw32(0xF0));
        Assert.Equal(0xCAFEF00Du, Read(space, 0xF0, 4));
    }

    [Fact]
    public void Write_SpanningRegisters_SplitIntoAlignedPiecesWithinDwords()
    {
        (VirtualConfigSpace space, FakeConfigHardware hw, _) = Open(Nvme);

        Assert.Equal(Errno.None, space.Write(0xEE, [1, 2, 3, 4, 5, 6, 7, 8]));

        Assert.Equal([(0xEE, 2), (0xF0, 4), (0xF4, 2)], hw.Writes.Select(w => (w.Offset, w.Data.Length)));
    }

    [Theory]
    [InlineData(-1, 4)] // before the start
    [InlineData(4094, 4)] // past the end of a 4 KiB space
    [InlineData(0, 0)] // empty
    public void Access_OutOfRange_Einval(int offset, int length)
    {
        (VirtualConfigSpace space, _, _) = Open(Nvme);
        byte[] buffer = new byte[length];

        Assert.Equal(Errno.EINVAL, space.Read(offset, buffer));
        Assert.Equal(Errno.EINVAL, space.Write(offset, buffer));
    }

    [Fact]
    public void Write_CommandAfterBackdoorReset_RestoresOpenTimeBarsFirst()
    {
        (VirtualConfigSpace space, FakeConfigHardware hw, _) = Open(Nvme);
        uint bar0 = hw.Hw32(ConfigOffsets.Bar0);
        Write(space, ConfigOffsets.Command, 2, (uint)PciCommand.MemorySpace);
        // A link reset behind the user's back: decode off, BARs zeroed.
        hw.Bytes.AsSpan(ConfigOffsets.Bar0, 24).Clear();
        hw.Bytes[ConfigOffsets.Command] = 0;
        hw.Writes.Clear();

        Write(space, ConfigOffsets.Command, 2, (uint)(PciCommand.MemorySpace | PciCommand.BusMaster));

        Assert.Equal(bar0, hw.Hw32(ConfigOffsets.Bar0));
        Assert.Equal(ConfigOffsets.Bar0, hw.Writes[0].Offset); // BARs before Command
        Assert.Equal((ushort)(PciCommand.MemorySpace | PciCommand.BusMaster), hw.Hw16(ConfigOffsets.Command));
    }

    [Fact]
    public void Write_CommandWithoutBackdoorReset_LeavesBarsAlone()
    {
        (VirtualConfigSpace space, FakeConfigHardware hw, _) = Open(Nvme);

        Write(space, ConfigOffsets.Command, 2, (uint)PciCommand.MemorySpace);

        Assert.Equal([ConfigOffsets.Command], hw.Writes.Select(w => w.Offset));
    }
}
