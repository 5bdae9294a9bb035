using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Vpci.Function;
using Passage.Vpci.Interrupts;
using Passage.Vpci.Machine;

namespace Passage.Vpci.Tests.Function;

/// <summary>The guest-visible type 0 header, row by row (vpci.md §3).</summary>
public sealed class GuestHeaderTests
{
    private const ushort HostCommandAtOpen = (ushort)(PciCommand.IoSpace | PciCommand.MemorySpace | PciCommand.BusMaster | PciCommand.ParityErrorResponse | PciCommand.SerrEnable);

    // Distinct non-zero host bytes everywhere the guest must see the host, zero, or its own value.
    private static LayoutHostDevice Distinct(uint intxCount = 1, bool withCapability = true)
    {
        ConfigSpaceBuilder config = LayoutLab.Endpoint()
            .Command((PciCommand)HostCommandAtOpen)
            .Set8(ConfigOffsets.CacheLineSize, 0x10)
            .Set8(ConfigOffsets.LatencyTimer, 0x40)
            .Set8(ConfigOffsets.HeaderType, 0x80)
            .Set8(ConfigOffsets.Bist, 0x85)
            .Set32(ConfigOffsets.CardbusCis, 0xCAFE_0001)
            .Set32(ConfigOffsets.RomBar, 0xFFFE_0001)
            .Set8(0x35, 0x11)
            .Set16(0x36, 0x2233)
            .Set32(0x38, 0x4455_6677)
            .Set8(ConfigOffsets.InterruptLine, 0x0B)
            .Set8(ConfigOffsets.MinGnt, 0x12)
            .Set8(ConfigOffsets.MaxLat, 0x34);
        if (withCapability)
        {
            config.Capability(0x40, CapabilityId.PowerManagement, CapabilityLayouts.PowerManagement());
        }

        return new LayoutHostDevice(config) { IntxCount = intxCount }.WithBar(0, 0x1000);
    }

    private static ushort HostCommand(LayoutHostDevice device) => BinaryPrimitives.ReadUInt16LittleEndian(device.Config[ConfigOffsets.Command..]);

    [Theory]
    [InlineData(HeaderLayout.Bridge)] // type 1
    [InlineData(HeaderLayout.CardBus)] // type 2
    public void Constructor_NotATypeZeroHeader_Refused(HeaderLayout layout)
    {
        var device = new LayoutHostDevice(new ConfigSpaceBuilder().Identity(0x1234, 0x5678, 0x060400, layout: layout));
        using var router = new InterruptRouter(new RecordingSink());

        HostDeviceException e = Assert.Throws<HostDeviceException>(() => new VirtualFunction(device, new AddressBus(), router));

        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Empty(device.Events);
    }

    [Theory]
    [InlineData(ConfigOffsets.VendorId, 4, 0x5678_1234u)] // vendor and device ID
    [InlineData(ConfigOffsets.DeviceId, 2, 0x5678u)] // device ID alone
    [InlineData(ConfigOffsets.RevisionId, 4, 0xFF00_0001u)] // revision and class code
    [InlineData(ConfigOffsets.SubsystemVendorId, 4, 0x0001_1234u)] // subsystem vendor and ID
    [InlineData(ConfigOffsets.MinGnt, 2, 0x3412u)] // Min_Gnt and Max_Lat
    public void ReadConfig_IdentityRegisters_ReturnHostValues(int offset, int size, uint expected)
    {
        using var lab = LayoutLab.Open(Distinct());

        Assert.Equal(expected, lab.Read(offset, size));
    }

    [Fact]
    public void ReadConfig_LabNic_ShowsItsIdentity()
    {
        using var lab = GuestLab.Open("0000:05:00.0");

        Assert.Equal(0x1533_8086u, lab.Read(ConfigOffsets.VendorId, 4));
        Assert.Equal(0x0200_0003u, lab.Read(ConfigOffsets.RevisionId, 4));
        Assert.Equal(0x0001_8086u, lab.Read(ConfigOffsets.SubsystemVendorId, 4));
    }

    [Theory]
    [InlineData(ConfigOffsets.VendorId, 4)] // identity
    [InlineData(ConfigOffsets.RevisionId, 4)] // revision and class
    [InlineData(ConfigOffsets.HeaderType, 1)] // header type
    [InlineData(ConfigOffsets.Bist, 1)] // BIST
    [InlineData(ConfigOffsets.CardbusCis, 4)] // CardBus CIS
    [InlineData(ConfigOffsets.SubsystemVendorId, 4)] // subsystem IDs
    [InlineData(ConfigOffsets.RomBar, 4)] // expansion ROM (sizing probe included)
    [InlineData(ConfigOffsets.CapabilitiesPointer, 1)] // capability pointer
    [InlineData(0x38, 4)] // reserved
    [InlineData(ConfigOffsets.InterruptPin, 1)] // interrupt pin
    [InlineData(ConfigOffsets.MinGnt, 2)] // Min_Gnt and Max_Lat
    public void WriteConfig_ReadOnlyHeaderRegister_DroppedAndHostNotWritten(int offset, int size)
    {
        using var lab = LayoutLab.Open(Distinct());
        uint before = lab.Read(offset, size);
        int writesBefore = RecordedEvents.ConfigWrites(lab.Device.Events).Count;
        byte[] hostBefore = lab.Device.Config.ToArray();

        lab.Write(offset, size, ~before & (size == 4 ? uint.MaxValue : (1u << (8 * size)) - 1));
        lab.Write(offset, size, uint.MaxValue);

        Assert.Equal(before, lab.Read(offset, size));
        Assert.Equal(writesBefore, RecordedEvents.ConfigWrites(lab.Device.Events).Count);
        Assert.Equal(hostBefore, lab.Device.Config.ToArray());
    }

    [Theory]
    [InlineData(ConfigOffsets.Bist, 1)] // BIST
    [InlineData(ConfigOffsets.CardbusCis, 4)] // CardBus CIS
    [InlineData(ConfigOffsets.RomBar, 4)] // no ROM for guests
    [InlineData(0x35, 1)] // reserved
    [InlineData(0x36, 2)] // reserved
    [InlineData(0x38, 4)] // reserved
    public void ReadConfig_ZeroedRegister_ReadsZeroWhateverTheHostHolds(int offset, int size)
    {
        using var lab = LayoutLab.Open(Distinct());
        Assert.NotEqual(0u, BinaryPrimitives.ReadUInt32LittleEndian(lab.Device.Config[(offset & ~3)..]) >> (8 * (offset & 3)));

        lab.Write(offset, size, uint.MaxValue);

        Assert.Equal(0u, lab.Read(offset, size));
    }

    [Fact]
    public void ReadConfig_LabNicRom_ReadsZeroAfterSizingProbe()
    {
        using var lab = GuestLab.Open("0000:05:00.0");
        Assert.NotEqual(0UL, lab.Device.GetRegionInfo(VfioRegion.Rom).Size);

        lab.Write(ConfigOffsets.RomBar, 4, uint.MaxValue);

        Assert.Equal(0u, lab.Read(ConfigOffsets.RomBar, 4));
    }

    [Fact]
    public void ReadConfig_HeaderType_ClearsMultiFunctionBit()
    {
        using var lab = LayoutLab.Open(Distinct());

        Assert.Equal(0x80, lab.Device.Config[ConfigOffsets.HeaderType]);
        Assert.Equal(0x00u, lab.Read(ConfigOffsets.HeaderType, 1));
    }

    [Fact]
    public void ReadConfig_CacheLineAndLatency_StartAtHostValues()
    {
        using var lab = LayoutLab.Open(Distinct());

        Assert.Equal(0x10u, lab.Read(ConfigOffsets.CacheLineSize, 1));
        Assert.Equal(0x40u, lab.Read(ConfigOffsets.LatencyTimer, 1));
    }

    [Fact]
    public void WriteConfig_CacheLineAndLatency_StoredAndNotForwarded()
    {
        using var lab = LayoutLab.Open(Distinct());

        lab.Write(ConfigOffsets.CacheLineSize, 2, 0x8020);

        Assert.Equal(0x8020u, lab.Read(ConfigOffsets.CacheLineSize, 2));
        Assert.Empty(RecordedEvents.ConfigWritesAt(lab.Device.Events, ConfigOffsets.CacheLineSize));
        Assert.Equal(0x10, lab.Device.Config[ConfigOffsets.CacheLineSize]);
        Assert.Equal(0x40, lab.Device.Config[ConfigOffsets.LatencyTimer]);
    }

    [Fact]
    public void ReadConfig_InterruptLine_StartsAtZeroWhateverTheHostHolds()
    {
        using var lab = LayoutLab.Open(Distinct());

        Assert.Equal(0x0B, lab.Device.Config[ConfigOffsets.InterruptLine]);
        Assert.Equal(0u, lab.Read(ConfigOffsets.InterruptLine, 1));
    }

    [Fact]
    public void WriteConfig_InterruptLine_StoredAndNotForwarded()
    {
        using var lab = LayoutLab.Open(Distinct());

        lab.Write(ConfigOffsets.InterruptLine, 1, 0x05);

        Assert.Equal(0x05u, lab.Read(ConfigOffsets.InterruptLine, 1));
        Assert.Empty(RecordedEvents.ConfigWritesAt(lab.Device.Events, ConfigOffsets.InterruptLine));
        Assert.Equal(0x0B, lab.Device.Config[ConfigOffsets.InterruptLine]);
    }

    [Theory]
    [InlineData(1u, 1u)] // host INTx usable: the host's pin
    [InlineData(0u, 0u)] // no host INTx: no pin
    public void ReadConfig_InterruptPin_FollowsHostIntxCount(uint intxCount, uint expected)
    {
        using var lab = LayoutLab.Open(Distinct(intxCount));

        Assert.Equal(expected, lab.Read(ConfigOffsets.InterruptPin, 1));
    }

    [Fact]
    public void ReadConfig_InterruptPinOfFunctionWithoutPin_ReadsZero()
    {
        // The T5 VF has no INTx pin.
        using var lab = GuestLab.Open("0000:07:00.0");

        Assert.Equal(0u, lab.Read(ConfigOffsets.InterruptPin, 1));
    }

    [Fact]
    public void Constructor_HostCommand_DecodingAndBusMasterTurnedOffOthersKept()
    {
        using var lab = LayoutLab.Open(Distinct());

        Assert.Equal((ushort)(PciCommand.ParityErrorResponse | PciCommand.SerrEnable), HostCommand(lab.Device));
        Assert.Equal(0, lab.Command);
    }

    [Fact]
    public void WriteConfig_CommandAllOnes_ReadsOnlyTheWritableBits()
    {
        using var lab = LayoutLab.Open(Distinct());
        lab.PlaceBar(0, 0x8000_0000);

        lab.Command = 0xFFFF;

        Assert.Equal((ushort)(PciCommand.MemorySpace | PciCommand.BusMaster | PciCommand.SpecialCycles | PciCommand.MemoryWriteInvalidate
            | PciCommand.VgaPaletteSnoop | PciCommand.InterruptDisable), lab.Command);
    }

    [Fact]
    public void WriteConfig_CommandReservedBits_ReadZeroAndLeaveHostBitsAlone()
    {
        using var lab = LayoutLab.Open(Distinct());
        ushort hostBefore = HostCommand(lab.Device);

        lab.Command = 0xFBC1;

        Assert.Equal(0, lab.Command);
        Assert.Equal(hostBefore, HostCommand(lab.Device));
        Assert.Equal(0, HostCommand(lab.Device) & (int)PciCommand.IoSpace);
    }

    [Theory]
    [InlineData((ushort)PciCommand.BusMaster)]
    [InlineData((ushort)PciCommand.SpecialCycles)]
    [InlineData((ushort)PciCommand.MemoryWriteInvalidate)]
    [InlineData((ushort)PciCommand.VgaPaletteSnoop)]
    [InlineData((ushort)PciCommand.InterruptDisable)]
    public void WriteConfig_CommandBit_ReachesHostCommand(ushort bit)
    {
        using var lab = LayoutLab.Open(Distinct());

        lab.Command = bit;
        ushort guest = lab.Command;
        ushort set = HostCommand(lab.Device);
        lab.Command = 0;
        ushort cleared = HostCommand(lab.Device);

        Assert.Equal(bit, guest);
        Assert.Equal(bit, set & bit);
        Assert.Equal(0, cleared & bit);
        // The host's own bits stay as they were, decoding stays off.
        Assert.Equal((int)(PciCommand.ParityErrorResponse | PciCommand.SerrEnable), set & ~bit);
    }

    [Fact]
    public void WriteConfig_CommandIoSpace_NeverReachesHost()
    {
        using var lab = LayoutLab.Open(Distinct());

        lab.Command = (ushort)(PciCommand.IoSpace | PciCommand.BusMaster);

        Assert.Equal((ushort)PciCommand.BusMaster, lab.Command);
        Assert.Equal(0, HostCommand(lab.Device) & (int)PciCommand.IoSpace);
        Assert.Equal((int)PciCommand.BusMaster, HostCommand(lab.Device) & (int)PciCommand.BusMaster);
    }

    [Theory]
    [InlineData(CapabilityId.Msi, 2, 0x0001u)] // MSI Enable
    [InlineData(CapabilityId.MsiX, 2, 0x8000u)] // MSI-X Enable
    public void ReadConfig_CommandWhileMessageInterruptsEnabled_InterruptDisableReadsOne(CapabilityId id, int control, uint enable)
    {
        using var lab = GuestLab.Open("0000:05:00.0");
        int cap = lab.FindCapability(id);

        lab.Write(cap + control, 2, enable);
        ushort enabled = lab.Command;
        lab.Write(cap + control, 2, 0);

        Assert.Equal((ushort)PciCommand.InterruptDisable, enabled);
        Assert.Equal(0, lab.Command);
    }

    [Fact]
    public void WriteConfig_CommandLowByteWhileMsiEnabled_DoesNotStoreInterruptDisable()
    {
        using var lab = GuestLab.Open("0000:05:00.0");
        int msi = lab.FindCapability(CapabilityId.Msi);
        lab.Write(msi + 2, 2, 1);

        // A byte write to Command's low half does not write INTx Disable, which lives in the high half.
        lab.Write(ConfigOffsets.Command, 1, (uint)PciCommand.BusMaster);
        lab.Write(msi + 2, 2, 0);

        Assert.Equal((ushort)PciCommand.BusMaster, lab.Command);
        Assert.Equal(VfioIrq.Intx, lab.Function.HostIrqIndex);
    }

    [Fact]
    public void WriteConfig_CommandWordChangingBothBytes_HostCommandWrittenOnce()
    {
        using var lab = LayoutLab.Open(Distinct());
        int before = RecordedEvents.ConfigWritesAt(lab.Device.Events, ConfigOffsets.Command).Count;

        // Bus Master lives in the low byte, INTx Disable in the high one.
        lab.Command = (ushort)(PciCommand.BusMaster | PciCommand.InterruptDisable);

        List<ulong> writes = RecordedEvents.ConfigWritesAt(lab.Device.Events, ConfigOffsets.Command);
        Assert.Equal(before + 1, writes.Count);
        Assert.Equal((ulong)(PciCommand.BusMaster | PciCommand.InterruptDisable), writes[^1] & (ulong)(PciCommand.BusMaster | PciCommand.InterruptDisable));
        Assert.Equal((ushort)(PciCommand.BusMaster | PciCommand.InterruptDisable), lab.Command);
    }

    [Fact]
    public void ReadConfig_StatusWithExposedCapability_HostBitsMaskedAndCapListSet()
    {
        LayoutHostDevice device = new(LayoutLab.Endpoint()
            .Capability(0x40, CapabilityId.PowerManagement, CapabilityLayouts.PowerManagement())
            .Set16(ConfigOffsets.Status, 0xFFFF));
        using var lab = LayoutLab.Open(device);

        // RsvdZ 0x0046 reads 0; everything else, CapList included, is the host's.
        Assert.Equal(0xFFB9u, lab.Read(ConfigOffsets.Status, 2));
    }

    [Fact]
    public void ReadConfig_StatusWithOnlyHiddenCapabilities_CapListReadsZero()
    {
        LayoutHostDevice device = new(LayoutLab.Endpoint()
            .Capability(0x40, 0x7E, [0, 0])
            .Set16(ConfigOffsets.Status, 0xFFFF));
        using var lab = LayoutLab.Open(device);

        Assert.Equal(0xFFA9u, lab.Read(ConfigOffsets.Status, 2));
        Assert.Equal(0u, lab.Read(ConfigOffsets.CapabilitiesPointer, 1));
    }

    [Fact]
    public void WriteConfig_StatusCapListWithoutExposedCapabilities_ReadsZeroAndNotForwarded()
    {
        LayoutHostDevice device = new(LayoutLab.Endpoint().Capability(0x40, 0x7E, [0, 0]));
        using var lab = LayoutLab.Open(device);

        lab.Write(ConfigOffsets.Status, 2, (uint)PciStatus.CapabilitiesList);

        Assert.Equal(0u, lab.Read(ConfigOffsets.Status, 2) & (uint)PciStatus.CapabilitiesList);
        Assert.Empty(RecordedEvents.ConfigWritesAt(lab.Device.Events, ConfigOffsets.Status));
    }

    [Theory]
    [InlineData(ConfigOffsets.Status, 2, 0xF900u, 0xF900u)] // every RW1C bit
    [InlineData(ConfigOffsets.Status, 2, 0xFFFFu, 0xF900u)] // RO and RsvdZ bits stripped
    [InlineData(ConfigOffsets.Status, 2, 0x2000u, 0x2000u)] // one bit (Received Master Abort)
    [InlineData(ConfigOffsets.Status + 1, 1, 0x81u, 0x8100u)] // byte write to the high half
    public void WriteConfig_StatusRw1cBits_ForwardedToHost(int offset, int size, uint value, ulong forwarded)
    {
        using var lab = LayoutLab.Open(Distinct());

        lab.Write(offset, size, value);

        Assert.Equal([forwarded], RecordedEvents.ConfigWritesAt(lab.Device.Events, ConfigOffsets.Status));
    }

    [Theory]
    [InlineData(0x0000u)] // nothing
    [InlineData(0x06FFu)] // only RO and RsvdZ bits
    public void WriteConfig_StatusWithoutRw1cBits_NothingForwarded(uint value)
    {
        using var lab = LayoutLab.Open(Distinct());

        lab.Write(ConfigOffsets.Status, 2, value);

        Assert.Empty(RecordedEvents.ConfigWritesAt(lab.Device.Events, ConfigOffsets.Status));
    }

    [Fact]
    public void WriteConfig_StatusReadOnlyBits_KeepHostValue()
    {
        LayoutHostDevice device = new(LayoutLab.Endpoint()
            .Capability(0x40, CapabilityId.PowerManagement, CapabilityLayouts.PowerManagement())
            .Status(PciStatus.Capable66MHz | PciStatus.FastBackToBack | PciStatus.InterruptStatus));
        using var lab = LayoutLab.Open(device);
        uint before = lab.Read(ConfigOffsets.Status, 2);

        lab.Write(ConfigOffsets.Status, 2, 0);

        Assert.Equal(0x00B8u, before);
        Assert.Equal(before, lab.Read(ConfigOffsets.Status, 2));
    }
}
