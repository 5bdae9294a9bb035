using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.Host.Sim;
using Passage.Host.Sim.Runtime;
using Passage.Tests.Shared;
using Passage.Vpci.Function;
using Passage.Vpci.Interrupts;
using Passage.Vpci.Machine;

namespace Passage.Vpci.Tests.Machine;

public sealed class VirtualMachineTests : IDisposable
{
    private const ushort Cf8 = 0xCF8;
    private const ushort Cfc = 0xCFC;

    private readonly VirtualMachine _vm = new();

    public void Dispose() => _vm.Dispose();

    private static ulong Ecam(int bus, int device, int function, int register) =>
        VirtualMachine.EcamBase + ((ulong)(uint)bus << 20) + ((ulong)(uint)device << 15) + ((ulong)(uint)function << 12) + (uint)register;

    private static uint ConfigAddress(int bus, int device, int function, int register) =>
        0x8000_0000u | ((uint)bus << 16) | ((uint)device << 11) | ((uint)function << 8) | (uint)register;

    private ulong ReadValue(ulong address, int size) => _vm.ReadValue(address, size);

    private void WriteValue(ulong address, int size, ulong value) => _vm.WriteValue(address, size, value);

    [Theory]
    [InlineData(0x0UL, 1, 0xA5UL)] // first byte of RAM
    [InlineData(0x1002UL, 2, 0xBEEFUL)] // a word
    [InlineData(0x2004UL, 4, 0xDEADBEEFUL)] // a dword
    [InlineData(0x3FFFFF8UL, 8, 0x0123456789ABCDEFUL)] // the last quadword of 64 MiB
    public void ReadMemory_AfterWriteAtEveryWidth_ReturnsTheValue(ulong address, int size, ulong value)
    {
        WriteValue(address, size, value);

        Assert.Equal(value, ReadValue(address, size));
    }

    [Fact]
    public void WriteMemory_Dword_StoredLittleEndian()
    {
        WriteValue(0x100, 4, 0x11223344);

        Assert.Equal([0x44, 0x33, 0x22, 0x11], [(byte)ReadValue(0x100, 1), (byte)ReadValue(0x101, 1), (byte)ReadValue(0x102, 1), (byte)ReadValue(0x103, 1)]);
    }

    [Fact]
    public void ReadMemory_FreshRam_ReadsZero()
    {
        Assert.Equal(0UL, ReadValue(0x10_0000, 8));
    }

    [Theory]
    [InlineData(0x4000000UL)] // just past 64 MiB of RAM
    [InlineData(0xD000_0000UL)] // a hole below ECAM
    [InlineData(0x3FFFFFEUL)] // straddles the end of RAM
    [InlineData(0xFFFF_FFFF_FFFF_FFF0UL)] // top of the address space
    public void ReadMemory_Unclaimed_ReadsAllOnes(ulong address)
    {
        byte[] data = new byte[4];

        bool served = _vm.ReadMemory(address, data);

        Assert.False(served);
        Assert.Equal([0xFF, 0xFF, 0xFF, 0xFF], data);
    }

    [Fact]
    public void WriteMemory_Unclaimed_Dropped()
    {
        Assert.False(_vm.WriteMemory(0xD000_0000, [1, 2, 3, 4]));
        Assert.Equal(uint.MaxValue, (uint)ReadValue(0xD000_0000, 4));
    }

    [Fact]
    public void Constructor_RamSizeOption_RamEndsThere()
    {
        using var vm = new VirtualMachine(new VirtualMachineOptions { RamSize = 1 << 20 });
        byte[] data = new byte[4];

        Assert.True(vm.ReadMemory(0xFFFFC, data));
        Assert.False(vm.ReadMemory(0x100000, data));
        Assert.Equal(1UL << 20, vm.Ram.Length);
    }

    [Theory]
    [InlineData(0UL)] // no RAM
    [InlineData(0x1001UL)] // not a multiple of 4 KiB
    [InlineData(0x8000_0000UL)] // beyond one memfd mapping
    public void Constructor_BadRamSize_Throws(ulong size)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new VirtualMachine(new VirtualMachineOptions { RamSize = size }));
    }

    [Fact]
    public void ReadMemory_Ecam_ReachesTheSlotAndRegister()
    {
        var device = new StubPciDevice(0x8086, 0x1533);
        device[0x10] = 0x0C;
        device[0x13] = 0xF0;
        _vm.Attach(device, 3);

        Assert.Equal(0x15338086UL, ReadValue(Ecam(0, 3, 0, 0), 4));
        Assert.Equal(0x1533UL, ReadValue(Ecam(0, 3, 0, 2), 2));
        Assert.Equal(0xF000000CUL, ReadValue(Ecam(0, 3, 0, 0x10), 4));
    }

    [Fact]
    public void WriteMemory_Ecam_ReachesTheSlotAndRegister()
    {
        var device = new StubPciDevice();
        _vm.Attach(device, 5);

        WriteValue(Ecam(0, 5, 0, 0x44), 2, 0xBEEF);

        Assert.Equal((0x44, 2, 0xBEEFu), Assert.Single(device.Writes));
    }

    [Fact]
    public void In_ConfigData_ReachesTheSlotAndRegister()
    {
        var device = new StubPciDevice(0x8086, 0x1533);
        device[0x3C] = 0x0B;
        _vm.Attach(device, 2);

        _vm.Out(Cf8, 4, ConfigAddress(0, 2, 0, 0));
        uint ids = _vm.In(Cfc, 4);
        uint deviceId = _vm.In(Cfc + 2, 2);
        _vm.Out(Cf8, 4, ConfigAddress(0, 2, 0, 0x3C));
        uint line = _vm.In(Cfc, 1);

        Assert.Equal(0x15338086u, ids);
        Assert.Equal(0x1533u, deviceId);
        Assert.Equal(0x0Bu, line);
        Assert.Equal(ConfigAddress(0, 2, 0, 0x3C), _vm.In(Cf8, 4));
    }

    [Fact]
    public void Out_ConfigData_ReachesTheSlotAndRegister()
    {
        var device = new StubPciDevice();
        _vm.Attach(device, 2);

        _vm.Out(Cf8, 4, ConfigAddress(0, 2, 0, 0x04));
        _vm.Out(Cfc + 1, 1, 0x01);

        Assert.Equal((0x05, 1, 0x01u), Assert.Single(device.Writes));
    }

    [Theory]
    [InlineData(0, 4, 0)] // empty slot
    [InlineData(0, 3, 1)] // function 1 of an attached slot
    [InlineData(1, 3, 0)] // bus 1
    [InlineData(255, 3, 0)] // the last bus
    [InlineData(0, 0, 0)] // slot 0 stays empty
    public void ReadMemory_EcamOfAbsentFunction_ReadsOnesAndDropsWrites(int bus, int slot, int function)
    {
        var device = new StubPciDevice();
        _vm.Attach(device, 3);

        WriteValue(Ecam(bus, slot, function, 0x04), 4, 0x7);

        Assert.Equal(0xFFFFFFFFUL, ReadValue(Ecam(bus, slot, function, 0), 4));
        Assert.Empty(device.Writes);
    }

    [Fact]
    public void In_AbsentFunctionThroughCf8_ReadsOnes()
    {
        _vm.Attach(new StubPciDevice(), 3);

        _vm.Out(Cf8, 4, ConfigAddress(0, 3, 2, 0));

        Assert.Equal(uint.MaxValue, _vm.In(Cfc, 4));
    }

    [Theory]
    [InlineData((ushort)0x60, 1, 0xFFu)] // keyboard controller: nothing there
    [InlineData((ushort)0x80, 2, 0xFFFFu)] // POST port
    [InlineData((ushort)0xCF8, 1, 0xFFu)] // CONFIG_ADDRESS takes only dwords
    public void In_OtherPorts_ReadOnes(ushort port, int size, uint expected)
    {
        Assert.Equal(expected, _vm.In(port, size));
    }

    [Fact]
    public void ReadConfig_MultiFunctionBitOfDevice_ReadsCleared()
    {
        var device = new StubPciDevice(multiFunction: true);
        device[0x0C] = 0x10;
        device[0x0D] = 0x20;
        device[0x0F] = 0x40;
        _vm.Attach(device, 1);

        Assert.Equal(0x00u, _vm.ReadConfig(1, 0x0E, 1));
        Assert.Equal(0x0000u, _vm.ReadConfig(1, 0x0E, 2) & 0xFF);
        Assert.Equal(0x40002010u, _vm.ReadConfig(1, 0x0C, 4));
    }

    [Theory]
    [InlineData(1, 0x02, 4)] // misaligned dword
    [InlineData(1, 0x01, 2)] // misaligned word
    [InlineData(1, 0x10, 3)] // no 3-byte accesses
    [InlineData(1, 0xFFE, 4)] // beyond 4 KiB
    [InlineData(40, 0x00, 4)] // no slot 40
    public void ReadConfig_BadAccess_ReadsOnesAndWriteIsDropped(int slot, int register, int size)
    {
        var device = new StubPciDevice();
        _vm.Attach(device, 1);

        _vm.WriteConfig(slot, register, size, 0);

        Assert.Equal(size is 1 or 2 ? (1u << (8 * size)) - 1 : uint.MaxValue, _vm.ReadConfig(slot, register, size));
        Assert.Empty(device.Writes);
    }

    [Fact]
    public void WriteConfig_DeviceClaimsAWindowDuringTheWrite_WindowServesMemory()
    {
        var window = new StubBusDevice(0x5A);
        var device = new StubPciDevice
        {
            // What a function does when the guest sets Memory decoding: put its BAR on the bus.
            OnWrite = (register, _, value) =>
            {
                if (register == 0x04 && (value & 0x2) != 0)
                {
                    _vm.Memory.Insert(0xC000_0000, 0x1000, window);
                }
            },
        };
        _vm.Attach(device, 1);

        _vm.WriteConfig(1, 0x04, 2, 0x2);

        Assert.Equal(0x5A5AUL, ReadValue(0xC000_0010, 2));
    }

    [Fact]
    public void Attach_NoSlotGiven_FirstFreeFromOne()
    {
        int first = _vm.Attach(new StubPciDevice());
        int second = _vm.Attach(new StubPciDevice());
        _vm.Detach(first);
        int third = _vm.Attach(new StubPciDevice());

        Assert.Equal((1, 2, 1), (first, second, third));
    }

    [Fact]
    public void Attach_RequestedSlot_ThereAndInTheTable()
    {
        var device = new StubPciDevice();

        int slot = _vm.Attach(device, 7);

        Assert.Equal(7, slot);
        Assert.Same(device, _vm.FunctionAt(7));
        Assert.Equal(7, _vm.SlotOf(device));
        Assert.Equal([7], _vm.Functions.Keys);
        Assert.Equal("0000:00:07.0", VirtualMachine.GuestAddress(slot).ToString());
    }

    [Fact]
    public void Attach_SlotTaken_ThrowsNamingTheSlot()
    {
        _vm.Attach(new StubPciDevice(), 4);

        AttachException e = Assert.Throws<AttachException>(() => _vm.Attach(new StubPciDevice(), 4));

        Assert.Contains("0000:00:04.0", e.Message, StringComparison.Ordinal);
        Assert.Contains("taken", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)] // slot 0 stays empty
    [InlineData(32)] // bus 0 has 32 slots
    [InlineData(-1)] // nonsense
    public void Attach_SlotOutOfRange_Throws(int slot)
    {
        AttachException e = Assert.Throws<AttachException>(() => _vm.Attach(new StubPciDevice(), slot));

        Assert.Contains("out of range", e.Message, StringComparison.Ordinal);
        Assert.Empty(_vm.Functions);
    }

    [Fact]
    public void Attach_AllSlotsInUse_Throws()
    {
        for (int i = 1; i < VirtualMachine.Slots; i++)
        {
            _vm.Attach(new StubPciDevice());
        }

        AttachException e = Assert.Throws<AttachException>(() => _vm.Attach(new StubPciDevice()));

        Assert.Contains("in use", e.Message, StringComparison.Ordinal);
        Assert.Equal(31, _vm.Functions.Count);
    }

    [Fact]
    public void Attach_SameDeviceTwice_Throws()
    {
        var device = new StubPciDevice();
        _vm.Attach(device);

        Assert.Throws<AttachException>(() => _vm.Attach(device));
    }

    [Fact]
    public void Detach_AttachedSlot_ReadsOnesAfterwards()
    {
        _vm.Attach(new StubPciDevice(), 1);

        Assert.True(_vm.Detach(1));
        Assert.False(_vm.Detach(1));
        Assert.Equal(uint.MaxValue, _vm.ReadConfig(1, 0, 4));
    }

    [Fact]
    public void AttachHost_SimulatedNic_BuildsAVirtualFunctionInSlotOne()
    {
        SimHost host = LabHost.Start();
        using var nic = new SimDevice(host, LabHost.Nic);

        int slot = _vm.AttachHost(nic);

        VirtualFunction function = Assert.IsType<VirtualFunction>(_vm.FunctionAt(slot));
        Assert.Equal(1, slot);
        Assert.Same(nic, function.Device);
    }

    [Fact]
    public void AttachHost_SlotOutOfRange_ThrowsBeforeTouchingTheDevice()
    {
        // HostStub throws on region info: reaching the VirtualFunction constructor would show.
        var device = new HostStub();

        Assert.Throws<AttachException>(() => _vm.AttachHost(device, 0));
        Assert.Equal(0, device.ConfigReads);
    }

    [Fact]
    public void AttachHost_SlotTaken_ThrowsAndKeepsTheOther()
    {
        SimHost host = LabHost.Start();
        using var nic = new SimDevice(host, LabHost.Nic);
        var stub = new StubPciDevice();
        _vm.Attach(stub, 1);

        Assert.Throws<AttachException>(() => _vm.AttachHost(nic, 1));
        Assert.Same(stub, _vm.FunctionAt(1));
    }

    [Fact]
    public void Dispose_WithHostFunction_DetachesAndLeavesTheHostDeviceOpen()
    {
        SimHost host = LabHost.Start();
        using var nic = new SimDevice(host, LabHost.Nic);
        var vm = new VirtualMachine();
        vm.AttachHost(nic);

        vm.Dispose();

        Assert.Empty(vm.Functions);
        byte[] ids = new byte[4];
        Assert.Equal(Errno.None, nic.Read(VfioRegion.Config, 0, ids));
        Assert.Equal(0x15338086u, BinaryPrimitives.ReadUInt32LittleEndian(ids));
    }

    [Fact]
    public void Dispose_Afterwards_MemoryReadsOnesAndAttachThrows()
    {
        var vm = new VirtualMachine();
        vm.WriteMemory(0, [1, 2, 3, 4]);

        vm.Dispose();

        byte[] data = new byte[4];
        vm.ReadMemory(0, data);
        Assert.Equal([0xFF, 0xFF, 0xFF, 0xFF], data);
        Assert.Throws<ObjectDisposedException>(() => vm.Attach(new StubPciDevice()));
    }

    [Fact]
    public void SetIntx_AttachedFunction_LevelAndRisingEdgesRecorded()
    {
        SimHost host = LabHost.Start();
        using var nic = new SimDevice(host, LabHost.Nic);
        int slot = _vm.AttachHost(nic);
        var function = (VirtualFunction)_vm.FunctionAt(slot)!;

        _vm.SetIntx(function, true);
        _vm.SetIntx(function, true);
        bool assertedThen = _vm.IntxAsserted(slot);
        _vm.SetIntx(function, false);
        bool assertedAfter = _vm.IntxAsserted(slot);
        _vm.SetIntx(function, true);

        Assert.True(assertedThen);
        Assert.False(assertedAfter);
        Assert.Equal(2, _vm.IntxAssertions(slot));
    }

    [Fact]
    public void AcknowledgeIntx_AttachedSlot_ReachesTheFunction()
    {
        var device = new StubPciDevice();
        _vm.Attach(device, 6);

        _vm.AcknowledgeIntx(6);
        _vm.AcknowledgeIntx(7);

        Assert.Equal(1, device.Acknowledged);
    }

    [Fact]
    public void Deliver_AddressInRam_WritesTheDataLittleEndian()
    {
        _vm.Deliver(new MsiMessage(0x2000, 0xCAFE0041));

        Assert.Equal(0xCAFE0041UL, ReadValue(0x2000, 4));
        Assert.Equal(0UL, ReadValue(0x2004, 4));
        Assert.Equal((1L, 0L, 0L), (_vm.RamMessages, _vm.Lapic.Total, _vm.DroppedMessages));
    }

    [Fact]
    public void Deliver_AddressInLapicRange_CountedAndReported()
    {
        var seen = new List<MsiMessage>();
        _vm.Lapic.MessageReceived += seen.Add;

        _vm.Deliver(new MsiMessage(0xFEE0_3000, 0x4041)); // APIC ID 3, vector 0x41
        _vm.Deliver(new MsiMessage(0xFEE0_0000, 0x41)); // APIC ID 0, vector 0x41

        Assert.Equal([new MsiMessage(0xFEE0_3000, 0x4041), new MsiMessage(0xFEE0_0000, 0x41)], seen);
        Assert.Equal(2, _vm.Lapic.Count(0x41));
        Assert.Equal(1, _vm.Lapic.Count(3, 0x41));
        Assert.Equal(2, _vm.Lapic.Total);
        Assert.Equal(0UL, ReadValue(0x0, 8));
    }

    [Theory]
    [InlineData(0xD000_0000UL)] // a hole
    [InlineData(0x3FFFFFEUL)] // 4 bytes would straddle the end of RAM
    [InlineData(0xFEF0_0000UL)] // just past the LAPIC range
    [InlineData(VirtualMachine.EcamBase)] // config space is not a message target
    public void Deliver_OtherAddress_CountedAsDropped(ulong address)
    {
        _vm.Deliver(new MsiMessage(address, 0x41));

        Assert.Equal((1L, 0L, 0L), (_vm.DroppedMessages, _vm.RamMessages, _vm.Lapic.Total));
    }

    [Theory]
    [InlineData(VirtualMachine.EcamBase + 0x8000UL)] // inside ECAM
    [InlineData(Lapic.Base)] // the LAPIC
    [InlineData(0xFEEF_F000UL)] // the LAPIC's last page
    [InlineData(0x10_0000UL)] // RAM
    [InlineData(0xDFFF_F000UL)] // overlapping ECAM's first page from below (8 KiB)
    public void MemoryInsert_OverFixedRanges_Refused(ulong baseAddress)
    {
        Assert.False(_vm.Memory.Insert(baseAddress, 0x2000, new StubBusDevice(0)));
    }

    [Fact]
    public void ReadMemory_LapicRange_ReadsZero()
    {
        Assert.True(_vm.ReadMemory(Lapic.Base + 0x20, new byte[4]));
        Assert.Equal(0UL, ReadValue(Lapic.Base + 0x20, 4));
    }

    [Fact]
    public void Settle_SignalledEventFd_DeliveredBeforeItReturns()
    {
        using EventFd eventFd = EventFd.Create();
        var target = new StubInterruptTarget(new MsiMessage(0x3000, 0x1234));
        RouterSlot slot = _vm.Router.Attach(eventFd, target, 0);
        try
        {
            eventFd.Signal();
            _vm.Settle();

            Assert.Equal(0x1234UL, ReadValue(0x3000, 4));
            Assert.Equal(1, target.Arrivals);
        }
        finally
        {
            _vm.Router.Detach(slot);
        }
    }

    [Fact]
    public void AdvanceNanoseconds_BelowTheClockResolution_Accumulates()
    {
        var clock = new VirtualClock();
        using var vm = new VirtualMachine(new VirtualMachineOptions { Clock = clock });

        ulong first = vm.AdvanceNanoseconds(50);
        ulong second = vm.AdvanceNanoseconds(70);

        Assert.Equal((50UL, 120UL), (first, second));
        Assert.Equal(TimeSpan.FromTicks(1), clock.Now);
        Assert.Same(clock, vm.Clock);
    }

    [Fact]
    public void AdvanceNanoseconds_Overflow_ThrowsAndKeepsTheTime()
    {
        _vm.AdvanceNanoseconds(1000);

        Assert.Throws<ArgumentOutOfRangeException>(() => _vm.AdvanceNanoseconds(ulong.MaxValue));
        Assert.Equal(1000UL, _vm.NowNanoseconds);
    }

    [Fact]
    public void Advance_Duration_MovesTheClock()
    {
        _vm.Advance(TimeSpan.FromMilliseconds(2));

        Assert.Equal(2_000_000UL, _vm.NowNanoseconds);
    }

    [Fact]
    public void HotPaths_MemoryConfigAndDelivery_DoNotAllocate()
    {
        _vm.Attach(new StubPciDevice { Record = false }, 1);
        byte[] data = new byte[8];

        long allocated = AllocationMeter.Least(_ => RunHotPaths(data), 1000);

        Assert.Equal(0, allocated);
    }

    private void RunHotPaths(byte[] data)
    {
        _vm.WriteMemory(0x1000, data.AsSpan(0, 4));
        _vm.ReadMemory(0x1000, data);
        _vm.ReadMemory(Ecam(0, 1, 0, 0), data.AsSpan(0, 4));
        _vm.WriteMemory(Ecam(0, 1, 0, 0x40), data.AsSpan(0, 4));
        _vm.Out(Cf8, 4, ConfigAddress(0, 1, 0, 0));
        _ = _vm.In(Cfc, 4);
        _ = _vm.ReadConfig(1, 0, 4);
        _vm.Deliver(new MsiMessage(0x2000, 1));
        _vm.Deliver(new MsiMessage(Lapic.Base, 0x30));
        _vm.Deliver(new MsiMessage(0xD000_0000, 0));
    }
}
