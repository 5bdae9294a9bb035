using Passage.Host.Devices;
using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Vpci.Interrupts;
using Passage.Vpci.Tests.Function;

namespace Passage.Vpci.Tests.Msi;

/// <summary>MSI emulation (vpci.md §6) on lab functions and on layouts the lab lacks.</summary>
public sealed class MsiEmulationTests
{
    private const string Nvme = "0000:06:00.0"; // 64-bit, per-vector mask, 32 vectors, INTx pin
    private const string Nic = "0000:05:00.0"; // 64-bit, per-vector mask, 1 vector, INTx pin
    private const string Ahci = "0000:00:1f.2"; // 32-bit, no per-vector mask, 16 vectors
    private const IrqSetFlags Eventfds = IrqSetFlags.ActionTrigger | IrqSetFlags.DataEventfd;
    private const IrqSetFlags DataNone = IrqSetFlags.ActionTrigger | IrqSetFlags.DataNone;

    [Theory]
    [InlineData(Nvme, 0x018A)] // MMC 5 (32 vectors), 64-bit, per-vector mask
    [InlineData(Nic, 0x0180)] // MMC 0, 64-bit, per-vector mask
    [InlineData(Ahci, 0x0008)] // MMC 4 (16 vectors), 32-bit, no mask
    [InlineData("0000:01:00.0", 0x0080)] // GPU: MMC 0, 64-bit, no mask
    public void ReadControl_Initial_SynthesisedFromHostCountAndCapabilityBits(string address, int expected)
    {
        using var lab = GuestLab.Open(address);
        var msi = new MsiRegisters(lab);

        Assert.Equal((uint)expected, lab.Read(msi.Control, 2));
    }

    [Fact]
    public void Registers_Initial_CountOneDisabledMaskAndPendingZero()
    {
        using var lab = GuestLab.Open(Nvme);
        var msi = new MsiRegisters(lab);

        Assert.Equal(0u, lab.Read(msi.Control, 2) & (MsiCapability.Enable | MsiCapability.MultipleMessageEnableMask));
        Assert.Equal(1, lab.Function.Msi!.Vectors);
        Assert.Equal(0u, lab.Read(msi.Mask, 4));
        Assert.Equal(0u, lab.Read(msi.Pending, 4));
        Assert.Empty(lab.Device.CallsOn(VfioIrq.Msi));
    }

    [Theory]
    [InlineData(1u, 0)] // one vector: MMC 0
    [InlineData(4u, 2)] // four
    [InlineData(6u, 2)] // six is used as four: grants are powers of two
    [InlineData(32u, 5)] // as many as the capability claims
    public void ReadControl_HostCountDiffersFromCapability_MmcFollowsIrqInfo(uint hostVectors, int mmc)
    {
        var config = new ConfigSpaceBuilder(ConfigOffsets.ConventionalSize)
            .Identity(0x1234, 0x0001, 0x020000)
            .Capability(0x40, CapabilityId.Msi, CapabilityLayouts.Msi(is64Bit: false, perVectorMask: false, multipleMessageCapableLog2: 5));
        using var lab = LayoutLab.Open(new LayoutHostDevice(config) { MsiCount = hostVectors });

        Assert.Equal((uint)mmc << 1, lab.Function.ReadConfig(0x42, 2));

        lab.Function.WriteConfig(0x42, 2, MsiCapability.Enable | 0x50); // MME 5: asks for 32

        RecordingHostDevice.IrqCall enable = Assert.Single(lab.Recorder.CallsOn(VfioIrq.Msi));
        Assert.Equal(1u << mmc, enable.Count);
        Assert.Equal((uint)(MsiCapability.Enable | (mmc << 1) | (mmc << 4)), lab.Function.ReadConfig(0x42, 2));
    }

    [Fact]
    public void Create_HostOffersNoMsiVector_CapabilityHiddenWithReason()
    {
        var config = new ConfigSpaceBuilder(ConfigOffsets.ConventionalSize)
            .Identity(0x1234, 0x0001, 0x020000)
            .Capability(0x40, CapabilityId.Msi, CapabilityLayouts.Msi(is64Bit: true, perVectorMask: false, multipleMessageCapableLog2: 3));
        using var lab = LayoutLab.Open(new LayoutHostDevice(config) { MsiCount = 0 });

        Assert.Null(lab.Function.Msi);
        var hidden = Assert.Single(lab.Function.HiddenCapabilities);
        Assert.Equal((0x40, (int)CapabilityId.Msi), (hidden.Offset, hidden.Id));
        Assert.Contains("no MSI vector", hidden.Reason, StringComparison.Ordinal);
        Assert.Equal(0u, lab.Function.ReadConfig(ConfigOffsets.CapabilitiesPointer, 1));
    }

    [Theory]
    [InlineData(0, 1)] // MME 0: one vector
    [InlineData(1, 2)]
    [InlineData(3, 8)]
    [InlineData(4, 16)] // the host's maximum
    [InlineData(5, 16)] // asks for 32: min(32, 16)
    [InlineData(7, 16)] // reserved encoding, clamped like 32
    public void WriteControl_Enable_OneSetIrqsWithMinOfRequestedAndMaximum(int mme, int count)
    {
        using var lab = GuestLab.Open(Ahci);
        var msi = new MsiRegisters(lab);

        lab.Write(msi.Control, 2, MsiCapability.Enable | ((uint)mme << 4));

        RecordingHostDevice.IrqCall call = Assert.Single(lab.Device.CallsOn(VfioIrq.Msi));
        Assert.Equal((0u, (uint)count, Eventfds), (call.Start, call.Count, call.Flags));
        Assert.All(call.Fds, fd => Assert.True(fd >= 0));
        Assert.Equal(count, call.Fds.Distinct().Count());
        Assert.Equal(MsiCapability.Enable | (4u << 1) | ((uint)Log2(count) << 4), lab.Read(msi.Control, 2));
        Assert.Equal(count, lab.Function.Msi!.Vectors);
    }

    [Fact]
    public void WriteControl_EnableWhileHostIntxActive_DisablesIntxFirstAndForcesIntxDisableView()
    {
        using var lab = GuestLab.Open(Nic);
        var msi = new MsiRegisters(lab);
        Assert.Equal(VfioIrq.Intx, lab.Function.HostIrqIndex);
        int before = lab.Device.IrqCalls.Count;

        lab.Write(msi.Control, 2, MsiCapability.Enable);

        var calls = lab.Device.IrqCalls.Skip(before).ToList();
        Assert.Equal(2, calls.Count);
        Assert.Equal((VfioIrq.Intx, 0u, DataNone), (calls[0].Index, calls[0].Count, calls[0].Flags));
        Assert.Equal((VfioIrq.Msi, 1u, Eventfds), (calls[1].Index, calls[1].Count, calls[1].Flags));
        Assert.Equal(VfioIrq.Msi, lab.Function.HostIrqIndex);
        Assert.NotEqual(0u, lab.Read(ConfigOffsets.Command, 2) & (uint)PciCommand.InterruptDisable);
    }

    [Theory]
    [InlineData(false)] // the host refuses (SET_IRQS fails)
    [InlineData(true)] // the host has only 2 of 4 vectors (positive return, nothing enabled)
    public void WriteControl_HostRefusesEnable_EnableReadsZeroAndIntxStays(bool positiveReturn)
    {
        using var lab = GuestLab.Open(Nvme);
        var msi = new MsiRegisters(lab);
        if (positiveReturn)
        {
            lab.Device.MsiAvailable = 2;
        }
        else
        {
            lab.Device.RefuseIrqIndex = VfioIrq.Msi;
        }

        lab.Write(msi.Control, 2, MsiCapability.Enable | (2u << 4));

        Assert.Equal(0u, lab.Read(msi.Control, 2) & MsiCapability.Enable);
        Assert.False(lab.Function.Msi!.HostActive);
        Assert.Equal(VfioIrq.Intx, lab.Function.HostIrqIndex); // the guest still uses INTx: it is back
        Assert.Equal(0u, lab.Read(ConfigOffsets.Command, 2) & (uint)PciCommand.InterruptDisable);
        Assert.NotEmpty(lab.Log);

        // Once the host can, the same write enables.
        lab.Device.MsiAvailable = null;
        lab.Device.RefuseIrqIndex = null;
        lab.Write(msi.Control, 2, MsiCapability.Enable | (2u << 4));
        Assert.Equal(MsiCapability.Enable, lab.Read(msi.Control, 2) & MsiCapability.Enable);
        Assert.Equal(4u, lab.Device.CallsOn(VfioIrq.Msi)[^1].Count);
    }

    [Theory]
    [InlineData(0, 0x4A5Bu)] // one vector: data as written
    [InlineData(2, 0x4A58u)] // four: low 2 bits replaced by the vector
    [InlineData(3, 0x4A58u)] // eight: low 3 bits replaced
    public void Deliver_EachVector_DataLowBitsReplacedByVector(int mme, uint baseData)
    {
        using var lab = GuestLab.Open(Nvme);
        ulong[] bars = lab.Enable();
        var msi = new MsiRegisters(lab);
        lab.Write(msi.AddressLow, 4, 0xFEE0_1000);
        lab.Write(msi.AddressHigh, 4, 0x0000_0001);
        lab.Write(msi.Data, 2, 0x4A5B);
        lab.Write(msi.Control, 2, MsiCapability.Enable | ((uint)mme << 4));

        int count = 1 << mme;
        for (int v = 0; v < count; v++)
        {
            lab.Ring(bars, v);
        }

        Assert.Equal(Enumerable.Range(0, count).Select(v => new MsiMessage(0x1_FEE0_1000, baseData | (uint)v)), lab.Sink.Messages);
    }

    [Fact]
    public void WriteAddressData_WhileEnabled_NextMessageUsesThemWithoutHostCall()
    {
        using var lab = GuestLab.Open(Nvme);
        ulong[] bars = lab.Enable();
        var msi = new MsiRegisters(lab);
        lab.Write(msi.AddressLow, 4, 0xFEE0_0000);
        lab.Write(msi.Data, 2, 0x0041);
        lab.Write(msi.Control, 2, MsiCapability.Enable);
        lab.Ring(bars, 0);
        int calls = lab.Device.IrqCalls.Count;

        lab.Write(msi.AddressLow, 4, 0xFEE0_2000);
        lab.Write(msi.Data, 2, 0x0052);
        lab.Ring(bars, 0);

        Assert.Equal([new MsiMessage(0xFEE0_0000, 0x41), new MsiMessage(0xFEE0_2000, 0x52)], lab.Sink.Messages);
        Assert.Equal(calls, lab.Device.IrqCalls.Count);
    }

    [Fact]
    public void WriteMask_ArrivalsWhileMasked_LatchedAsOnePendingBitDeliveredOnceOnUnmask()
    {
        using var lab = GuestLab.Open(Nvme);
        ulong[] bars = lab.Enable();
        var msi = new MsiRegisters(lab);
        lab.Write(msi.AddressLow, 4, 0xFEE0_0000);
        lab.Write(msi.Data, 2, 0x40);
        lab.Write(msi.Control, 2, MsiCapability.Enable | (2u << 4));
        int calls = lab.Device.IrqCalls.Count;

        lab.Write(msi.Mask, 4, 0x2);
        lab.Ring(bars, 1);
        lab.Ring(bars, 1);
        lab.Ring(bars, 1);
        lab.Ring(bars, 0);

        Assert.Equal([new MsiMessage(0xFEE0_0000, 0x40)], lab.Sink.Messages); // vector 0 is not masked
        Assert.Equal(0x2u, lab.Read(msi.Pending, 4));
        Assert.Equal(0x2u, lab.Read(msi.Mask, 4));

        lab.Write(msi.Mask, 4, 0);

        Assert.Equal([new MsiMessage(0xFEE0_0000, 0x40), new MsiMessage(0xFEE0_0000, 0x41)], lab.Sink.Messages);
        Assert.Equal(0u, lab.Read(msi.Pending, 4));
        Assert.Equal(calls, lab.Device.IrqCalls.Count); // masking is emulated: no host call
    }

    [Fact]
    public void WriteMask_UnmaskWithoutPending_DeliversNothing()
    {
        using var lab = GuestLab.Open(Nvme);
        lab.Enable();
        var msi = new MsiRegisters(lab);
        lab.Write(msi.Control, 2, MsiCapability.Enable | (2u << 4));

        lab.Write(msi.Mask, 4, 0xFFFF_FFFF);
        Assert.Equal(0xFFFF_FFFFu, lab.Read(msi.Mask, 4)); // all 32 bits are stored, beyond the count too
        lab.Write(msi.Mask, 4, 0);

        Assert.Equal(0u, lab.Read(msi.Mask, 4));
        Assert.Empty(lab.Sink.Messages);
    }

    [Fact]
    public void WritePending_Any_DroppedAndReadsEmulatedBits()
    {
        using var lab = GuestLab.Open(Nvme);
        ulong[] bars = lab.Enable();
        var msi = new MsiRegisters(lab);
        lab.Write(msi.Pending, 4, 0xFFFF_FFFF);
        Assert.Equal(0u, lab.Read(msi.Pending, 4));

        lab.Write(msi.Control, 2, MsiCapability.Enable | (3u << 4));
        lab.Write(msi.Mask, 4, 0x24);
        lab.Ring(bars, 2);
        lab.Ring(bars, 5);
        lab.Write(msi.Pending, 4, 0);

        Assert.Equal(0x24u, lab.Read(msi.Pending, 4));
        Assert.Empty(lab.Sink.Messages);
    }

    [Fact]
    public void WriteControl_Disable_OneDataNoneCallAndIntxComesBack()
    {
        using var lab = GuestLab.Open(Nvme);
        var msi = new MsiRegisters(lab);
        lab.Write(msi.Control, 2, MsiCapability.Enable | (1u << 4));
        int before = lab.Device.IrqCalls.Count;

        lab.Write(msi.Control, 2, 1u << 4);

        var calls = lab.Device.IrqCalls.Skip(before).ToList();
        Assert.Equal(2, calls.Count);
        Assert.Equal((VfioIrq.Msi, 0u, 0u, DataNone), (calls[0].Index, calls[0].Start, calls[0].Count, calls[0].Flags));
        Assert.Equal((VfioIrq.Intx, 1u, Eventfds), (calls[1].Index, calls[1].Count, calls[1].Flags));
        Assert.Equal(VfioIrq.Intx, lab.Function.HostIrqIndex);
        Assert.Equal(1u << 4, lab.Read(msi.Control, 2) & (MsiCapability.Enable | MsiCapability.MultipleMessageEnableMask));
        Assert.False(lab.Function.Msi!.HostActive);
    }

    [Fact]
    public void WriteControl_CountChangeWhileEnabled_DisablesThenEnablesWithNewCount()
    {
        using var lab = GuestLab.Open(Nvme);
        var msi = new MsiRegisters(lab);
        lab.Write(msi.Control, 2, MsiCapability.Enable);
        int before = lab.Device.IrqCalls.Count;

        lab.Write(msi.Control, 2, MsiCapability.Enable | (2u << 4));

        var calls = lab.Device.IrqCalls.Skip(before).ToList();
        Assert.Equal(2, calls.Count);
        Assert.True(calls[0].Index == VfioIrq.Msi && calls[0].IsDisable);
        Assert.Equal((VfioIrq.Msi, 0u, 4u, Eventfds), (calls[1].Index, calls[1].Start, calls[1].Count, calls[1].Flags));
        Assert.Equal(4, lab.Function.Msi!.Vectors);
    }

    [Fact]
    public void WriteControl_UnchangedWhileEnabled_NoHostCall()
    {
        using var lab = GuestLab.Open(Nvme);
        var msi = new MsiRegisters(lab);
        lab.Write(msi.Control, 2, MsiCapability.Enable | (1u << 4));
        int before = lab.Device.IrqCalls.Count;

        lab.Write(msi.Control, 2, MsiCapability.Enable | (1u << 4));

        Assert.Equal(before, lab.Device.IrqCalls.Count);
        Assert.True(lab.Function.Msi!.HostActive);
    }

    [Fact]
    public void WriteControl_CountWhileDisabled_OnlyStoredCountChanges()
    {
        using var lab = GuestLab.Open(Nvme);
        var msi = new MsiRegisters(lab);
        int before = lab.Device.IrqCalls.Count;

        lab.Write(msi.Control, 2, 3u << 4);

        Assert.Equal(before, lab.Device.IrqCalls.Count);
        Assert.Equal(3u << 4, lab.Read(msi.Control, 2) & (MsiCapability.Enable | MsiCapability.MultipleMessageEnableMask));
        Assert.Equal(8, lab.Function.Msi!.Vectors);
        Assert.Equal(VfioIrq.Intx, lab.Function.HostIrqIndex);
    }

    private static int Log2(int value) => 31 - int.LeadingZeroCount(value);

    /// <summary>The guest's MSI register offsets, from the capability as the guest finds it.</summary>
    private readonly struct MsiRegisters
    {
        public MsiRegisters(GuestLab lab)
        {
            int at = lab.FindCapability(CapabilityId.Msi);
            Assert.True(at > 0);
            bool is64 = (lab.Read(at + MsiCapability.ControlOffset, 2) & MsiCapability.Address64) != 0;
            Control = at + MsiCapability.ControlOffset;
            AddressLow = at + MsiCapability.AddressOffset;
            AddressHigh = is64 ? at + 0x08 : -1;
            Data = at + (is64 ? 0x0C : 0x08);
            Mask = Data + 4;
            Pending = Data + 8;
        }

        public int Control { get; }

        public int AddressLow { get; }

        public int AddressHigh { get; }

        public int Data { get; }

        public int Mask { get; }

        public int Pending { get; }
    }
}
