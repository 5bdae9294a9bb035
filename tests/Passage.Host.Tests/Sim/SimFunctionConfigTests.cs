using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Tests.Sim;

public sealed class SimFunctionConfigTests
{
    public static TheoryData<string> AllFunctions =>
    [
        "0000:00:00.0", "0000:00:01.0", "0000:01:00.0", "0000:01:00.1", "0000:00:1c.0", "0000:02:00.0", "0000:00:1d.0",
        "0000:03:00.0", "0000:04:08.0", "0000:04:09.0", "0000:04:0a.0", "0000:05:00.0", "0000:06:00.0", "0000:07:00.0",
        "0000:00:1f.0", "0000:00:1f.2", "0000:00:1f.3",
    ];

    [Theory]
    [MemberData(nameof(AllFunctions))]
    public void ReadConfig_PowerOn_EqualsBuiltBytes(string address)
    {
        SimFunction f = SimLab.Function(address);
        ReadOnlySpan<byte> built = f.Function.Config.Bytes;
        Assert.Equal(built.Length, f.ConfigSize);
        for (int offset = 0; offset < built.Length; offset += 4)
        {
            Assert.Equal(BitConverter.ToUInt32(built[offset..(offset + 4)]), f.ReadConfig(offset, 4));
        }
    }

    [Theory]
    [InlineData("0000:00:00.0", 0x07FF)] // host bridge: conventional, every defined bit
    [InlineData("0000:00:1f.0", 0x07FF)] // LPC: conventional
    [InlineData("0000:00:1f.2", 0x07FF)] // AHCI: conventional
    [InlineData("0000:00:1f.3", 0x07FF)] // SMBus: conventional
    [InlineData("0000:00:01.0", 0x0547)] // root port: PCIe hardwires 3, 4, 5, 7, 9
    [InlineData("0000:00:1c.0", 0x0547)] // PCH root port
    [InlineData("0000:03:00.0", 0x0547)] // switch upstream port
    [InlineData("0000:04:08.0", 0x0547)] // switch downstream port
    [InlineData("0000:01:00.0", 0x0547)] // GPU
    [InlineData("0000:01:00.1", 0x0547)] // GPU audio
    [InlineData("0000:02:00.0", 0x0547)] // Wi-Fi
    [InlineData("0000:05:00.0", 0x0547)] // NIC
    [InlineData("0000:06:00.0", 0x0547)] // NVMe
    [InlineData("0000:07:00.0", 0x0547)] // T5 VF
    public void WriteConfig_CommandAllOnes_KeepsOnlyWritableBits(string address, int writable)
    {
        SimFunction f = SimLab.Function(address);
        f.Write16(ConfigOffsets.Command, 0xFFFF);
        Assert.Equal(writable, f.Read16(ConfigOffsets.Command));
        f.Write16(ConfigOffsets.Command, 0);
        Assert.Equal(0, f.Read16(ConfigOffsets.Command));
    }

    [Theory]
    [MemberData(nameof(AllFunctions))]
    public void WriteConfig_StatusAllOnes_ChangesNothing(string address)
    {
        SimFunction f = SimLab.Function(address);
        ushort before = f.Read16(ConfigOffsets.Status);
        f.Write16(ConfigOffsets.Status, 0xFFFF);
        Assert.Equal(before, f.Read16(ConfigOffsets.Status));
        Assert.Equal(0, before & PciStatusMasks.WriteOneToClear);
    }

    [Fact]
    public void WriteConfig_StatusOneOnErrorBit_ClearsOnlyThatBit()
    {
        SimFunction nic = SimLab.Function("0000:05:00.0");
        nic.SetCommand(PciCommand.SerrEnable | PciCommand.MemorySpace);
        nic.InjectUncorrectableError(4);
        ushort status = nic.Read16(ConfigOffsets.Status);
        Assert.NotEqual(0, status & (int)PciStatus.SignaledSystemError);

        nic.Write16(ConfigOffsets.Status, (ushort)PciStatus.CapabilitiesList);
        Assert.Equal(status, nic.Read16(ConfigOffsets.Status));
        nic.Write16(ConfigOffsets.Status, (ushort)PciStatus.SignaledSystemError);
        Assert.Equal(status & ~(int)PciStatus.SignaledSystemError, nic.Read16(ConfigOffsets.Status));
    }

    [Theory]
    [InlineData("0000:05:00.0", 0, 0xFFF0_0000u, null)] // NIC BAR0: 1 MiB mem32
    [InlineData("0000:05:00.0", 2, 0xFFFF_FFE1u, null)] // NIC BAR2: 32-byte I/O, type bit 0 kept
    [InlineData("0000:05:00.0", 3, 0xFFFF_C000u, null)] // NIC BAR3: 16 KiB mem32 (MSI-X)
    [InlineData("0000:05:00.0", 1, 0u, null)] // NIC BAR1: unimplemented reads 0
    [InlineData("0000:06:00.0", 0, 0xFFFF_C004u, 0xFFFF_FFFFu)] // NVMe BAR0/1: 16 KiB mem64 pair
    [InlineData("0000:06:00.0", 2, 0u, null)] // NVMe BAR2: unimplemented
    [InlineData("0000:01:00.0", 0, 0xF000_000Cu, 0xFFFF_FFFFu)] // GPU BAR0/1: 256 MiB prefetchable mem64
    [InlineData("0000:01:00.0", 2, 0xFFE0_000Cu, 0xFFFF_FFFFu)] // GPU BAR2/3: 2 MiB prefetchable mem64
    [InlineData("0000:01:00.0", 4, 0xFFFF_FF01u, null)] // GPU BAR4: 256-byte I/O
    [InlineData("0000:01:00.0", 5, 0xFFFC_0000u, null)] // GPU BAR5: 256 KiB mem32
    [InlineData("0000:01:00.1", 0, 0xFFFF_C004u, 0xFFFF_FFFFu)] // audio BAR0/1: 16 KiB mem64
    [InlineData("0000:02:00.0", 0, 0xFFFF_C004u, 0xFFFF_FFFFu)] // Wi-Fi BAR0/1: 16 KiB mem64
    [InlineData("0000:07:00.0", 0, 0xFFFF_F004u, 0xFFFF_FFFFu)] // T5 VF BAR0/1: 4 KiB mem64
    [InlineData("0000:07:00.0", 2, 0xFFFF_E004u, 0xFFFF_FFFFu)] // T5 VF BAR2/3: 8 KiB mem64
    [InlineData("0000:00:1f.2", 0, 0xFFFF_FFF9u, null)] // AHCI BAR0: 8-byte I/O
    [InlineData("0000:00:1f.2", 1, 0xFFFF_FFFDu, null)] // AHCI BAR1: 4-byte I/O
    [InlineData("0000:00:1f.2", 4, 0xFFFF_FFE1u, null)] // AHCI BAR4: 32-byte I/O
    [InlineData("0000:00:1f.2", 5, 0xFFFF_F800u, null)] // AHCI BAR5: 2 KiB ABAR
    [InlineData("0000:00:1f.3", 0, 0xFFFF_FF04u, 0xFFFF_FFFFu)] // SMBus BAR0/1: 256-byte mem64
    [InlineData("0000:00:1f.3", 4, 0xFFFF_FFE1u, null)] // SMBus BAR4: 32-byte I/O
    [InlineData("0000:03:00.0", 0, 0xFFFC_0000u, null)] // switch upstream BAR0: 256 KiB
    [InlineData("0000:03:00.0", 1, 0u, null)] // switch upstream BAR1: unimplemented
    [InlineData("0000:00:00.0", 0, 0u, null)] // host bridge: no BARs
    public void WriteConfig_BarAllOnes_ReadsSizeMaskAndType(string address, int bar, uint low, uint? high)
    {
        SimFunction f = SimLab.Function(address);
        int offset = ConfigOffsets.Bar0 + (4 * bar);
        f.WriteConfig(offset, 4, 0xFFFF_FFFF);
        if (high is not null)
        {
            f.WriteConfig(offset + 4, 4, 0xFFFF_FFFF);
            Assert.Equal(high.Value, f.ReadConfig(offset + 4, 4));
        }

        Assert.Equal(low, f.ReadConfig(offset, 4));
    }

    [Theory]
    [InlineData("0000:05:00.0", 3, 0x1234_5678u, 0x1234_4000u)] // 16 KiB: address bits below 14 dropped
    [InlineData("0000:05:00.0", 2, 0x0000_3457u, 0x0000_3441u)] // 32-byte I/O keeps bit 0 set
    [InlineData("0000:06:00.0", 0, 0x8765_4321u, 0x8765_4004u)] // mem64 low half keeps its type bits
    public void WriteConfig_BarAddress_StoresAlignedAddress(string address, int bar, uint written, uint expected)
    {
        SimFunction f = SimLab.Function(address);
        f.WriteConfig(ConfigOffsets.Bar0 + (4 * bar), 4, written);
        Assert.Equal(expected, f.ReadConfig(ConfigOffsets.Bar0 + (4 * bar), 4));
    }

    [Theory]
    [InlineData("0000:05:00.0", 0xFFFF_FFFEu, 0xFFF0_0000u)] // NIC: 1 MiB ROM, enable left clear
    [InlineData("0000:05:00.0", 0xFFFF_FFFFu, 0xFFF0_0001u)] // NIC: enable bit is writable
    [InlineData("0000:01:00.0", 0xFFFF_FFFEu, 0xFFFE_0000u)] // GPU: 128 KiB ROM
    [InlineData("0000:06:00.0", 0xFFFF_FFFEu, 0u)] // NVMe: no ROM
    public void WriteConfig_RomAllOnes_ReadsRomSize(string address, uint written, uint expected)
    {
        SimFunction f = SimLab.Function(address);
        f.WriteConfig(ConfigOffsets.RomBar, 4, written);
        Assert.Equal(expected, f.ReadConfig(ConfigOffsets.RomBar, 4));
    }

    [Theory]
    [InlineData("0000:05:00.0")] // endpoint
    [InlineData("0000:00:1f.2")] // conventional endpoint
    [InlineData("0000:00:01.0")] // bridge
    public void WriteConfig_LineCacheLatency_AreReadWrite(string address)
    {
        SimFunction f = SimLab.Function(address);
        byte pin = (byte)f.ReadConfig(ConfigOffsets.InterruptPin, 1);
        f.WriteConfig(ConfigOffsets.InterruptLine, 1, 0xAB);
        f.WriteConfig(ConfigOffsets.InterruptPin, 1, 0x07);
        f.WriteConfig(ConfigOffsets.CacheLineSize, 1, 0x10);
        f.WriteConfig(ConfigOffsets.LatencyTimer, 1, 0x40);
        Assert.Equal(0xABu, f.ReadConfig(ConfigOffsets.InterruptLine, 1));
        Assert.Equal(pin, (byte)f.ReadConfig(ConfigOffsets.InterruptPin, 1));
        Assert.Equal(0x10u, f.ReadConfig(ConfigOffsets.CacheLineSize, 1));
        Assert.Equal(0x40u, f.ReadConfig(ConfigOffsets.LatencyTimer, 1));
    }

    [Theory]
    [InlineData("0000:05:00.0")] // PCIe endpoint
    [InlineData("0000:00:1f.3")] // conventional endpoint
    public void WriteConfig_IdentityRegisters_AreReadOnly(string address)
    {
        SimFunction f = SimLab.Function(address);
        uint id = f.ReadConfig(ConfigOffsets.VendorId, 4);
        uint classCode = f.ReadConfig(ConfigOffsets.RevisionId, 4);
        uint capabilities = f.ReadConfig(ConfigOffsets.CapabilitiesPointer, 1);
        f.WriteConfig(ConfigOffsets.VendorId, 4, 0x1234_5678);
        f.WriteConfig(ConfigOffsets.RevisionId, 4, 0);
        f.WriteConfig(ConfigOffsets.CapabilitiesPointer, 1, ~capabilities & 0xFC);
        Assert.Equal(id, f.ReadConfig(ConfigOffsets.VendorId, 4));
        Assert.Equal(classCode, f.ReadConfig(ConfigOffsets.RevisionId, 4));
        Assert.Equal(capabilities, f.ReadConfig(ConfigOffsets.CapabilitiesPointer, 1));
    }

    [Theory]
    [InlineData(ConfigOffsets.Command, 3)] // size 3
    [InlineData(ConfigOffsets.Command + 1, 2)] // misaligned word
    [InlineData(ConfigOffsets.Command + 2, 4)] // misaligned dword
    [InlineData(4096, 4)] // past the end
    [InlineData(-4, 4)] // negative
    [InlineData(0, 8)] // size 8
    public void ReadConfig_BadAccess_ReadsAllOnes(int offset, int size)
    {
        SimFunction f = SimLab.Function("0000:06:00.0");
        uint expected = size is 1 or 2 or 3 ? (1u << (size * 8)) - 1 : 0xFFFF_FFFF;
        Assert.Equal(expected, f.ReadConfig(offset, size));
    }

    [Fact]
    public void ReadConfig_BeyondConventionalSpace_ReadsAllOnes()
    {
        SimFunction ahci = SimLab.Function("0000:00:1f.2");
        Assert.Equal(0xFFFF_FFFFu, ahci.ReadConfig(0x100, 4));
    }

    [Theory]
    [InlineData(ConfigOffsets.Command + 1, 2)] // misaligned word
    [InlineData(ConfigOffsets.Command, 3)] // size 3
    public void WriteConfig_BadAccess_IsDropped(int offset, int size)
    {
        SimFunction f = SimLab.Function("0000:06:00.0");
        ushort before = f.Read16(ConfigOffsets.Command);
        Assert.Equal(ConfigEffects.None, f.WriteConfig(offset, size, 0xFFFF_FFFF));
        Assert.Equal(before, f.Read16(ConfigOffsets.Command));
    }

    [Theory]
    [InlineData("0000:05:00.0")] // NIC: No_Soft_Reset set, read-only
    [InlineData("0000:06:00.0")] // NVMe: No_Soft_Reset set
    [InlineData("0000:02:00.0")] // Wi-Fi: No_Soft_Reset clear
    [InlineData("0000:01:00.0")] // GPU
    [InlineData("0000:01:00.1")] // GPU audio: No_Soft_Reset set
    [InlineData("0000:00:1f.2")] // AHCI: conventional
    [InlineData("0000:00:01.0")] // CPU root port
    [InlineData("0000:00:1c.0")] // PCH root port
    [InlineData("0000:03:00.0")] // switch upstream port
    [InlineData("0000:04:08.0")] // switch downstream port
    public void WriteConfig_Pmcsr_OnlyStateAndPmeEnableStick(string address)
    {
        SimFunction f = SimLab.Function(address);
        int pmcsr = f.Function.Decoded.PowerManagement!.Offset + PowerManagementCapability.ControlStatusOffset;
        ushort before = f.Read16(pmcsr);
        f.Write16(pmcsr, 0xFFFF);
        ushort after = f.Read16(pmcsr);
        Assert.Equal((before & PowerManagementCapability.NoSoftReset) | 0x0103, after);
        Assert.Equal(0, after & PowerManagementCapability.PmeStatus);
        Assert.Equal(3, f.PowerState);
    }

    [Theory]
    [InlineData("0000:00:1f.2", 0x0008)] // AHCI: 32-bit, 16 vectors capable
    [InlineData("0000:05:00.0", 0x0180)] // NIC: 64-bit with per-vector masking
    [InlineData("0000:06:00.0", 0x018A)] // NVMe: 64-bit, masking, 32 vectors capable
    [InlineData("0000:01:00.0", 0x0080)] // GPU: 64-bit
    [InlineData("0000:01:00.1", 0x0080)] // GPU audio: 64-bit
    [InlineData("0000:02:00.0", 0x0080)] // Wi-Fi: 64-bit
    [InlineData("0000:00:01.0", 0x0000)] // CPU root port: 32-bit
    [InlineData("0000:00:1c.0", 0x0000)] // PCH root port: 32-bit
    [InlineData("0000:03:00.0", 0x0180)] // switch upstream: 64-bit with masking
    [InlineData("0000:04:08.0", 0x0180)] // switch downstream: 64-bit with masking
    public void WriteConfig_MsiControlAllOnes_SetsEnableAndMmeOnly(string address, int readOnly)
    {
        SimFunction f = SimLab.Function(address);
        int control = f.Function.Decoded.Msi!.Offset + MsiCapability.ControlOffset;
        f.Write16(control, 0xFFFF);
        Assert.Equal(readOnly | 0x0071, f.Read16(control));
        f.WriteConfig(f.Function.Decoded.Msi.Offset + MsiCapability.AddressOffset, 4, 0xFFFF_FFFF);
        Assert.Equal(0xFFFF_FFFCu, f.ReadConfig(f.Function.Decoded.Msi.Offset + MsiCapability.AddressOffset, 4));
    }

    [Fact]
    public void WriteConfig_MsiMaskAndPending_MaskWritablePendingReadOnly()
    {
        SimFunction nic = SimLab.Function("0000:05:00.0");
        int msi = nic.Function.Decoded.Msi!.Offset;
        nic.WriteConfig(msi + 0x10, 4, 0xFFFF_FFFF);
        nic.WriteConfig(msi + 0x14, 4, 0xFFFF_FFFF);
        Assert.Equal(0x1u, nic.ReadConfig(msi + 0x10, 4));
        Assert.Equal(0u, nic.ReadConfig(msi + 0x14, 4));
    }

    [Theory]
    [InlineData("0000:05:00.0", 4)] // NIC: 5 vectors
    [InlineData("0000:06:00.0", 32)] // NVMe: 33 vectors
    [InlineData("0000:02:00.0", 15)] // Wi-Fi: 16 vectors
    [InlineData("0000:07:00.0", 7)] // T5 VF: 8 vectors
    public void WriteConfig_MsixControlAllOnes_SetsEnableAndMaskKeepsSize(string address, int tableSizeField)
    {
        SimFunction f = SimLab.Function(address);
        int control = f.Function.Decoded.Msix!.Offset + MsixCapability.ControlOffset;
        f.Write16(control, 0xFFFF);
        Assert.Equal(0xC000 | tableSizeField, f.Read16(control));
        f.Write16(control, 0);
        Assert.Equal(tableSizeField, f.Read16(control));
    }

    [Theory]
    [InlineData("0000:05:00.0")] // NIC
    [InlineData("0000:06:00.0")] // NVMe
    [InlineData("0000:02:00.0")] // Wi-Fi
    [InlineData("0000:07:00.0")] // T5 VF
    [InlineData("0000:01:00.0")] // GPU (no FLR)
    [InlineData("0000:01:00.1")] // GPU audio (no FLR)
    [InlineData("0000:00:01.0")] // root port
    [InlineData("0000:03:00.0")] // switch upstream port
    [InlineData("0000:04:08.0")] // downstream port
    public void WriteConfig_DeviceControl_InitiateFlrReadsZero(string address)
    {
        SimFunction f = SimLab.Function(address);
        int devctl = f.Function.Decoded.Pcie!.Offset + PciExpressCapability.DeviceControlOffset;
        f.Write16(devctl, 0x7FFF);
        Assert.Equal(0x7DFF, f.Read16(devctl));
        f.Write16(devctl, 0x0000);
        Assert.Equal(0, f.Read16(devctl));
    }

    [Fact]
    public void WriteConfig_InitiateFlrOnFlrCapable_ReturnsEffectAndResets()
    {
        SimFunction nic = SimLab.Function("0000:05:00.0");
        int devctl = nic.Function.Decoded.Pcie!.Offset + PciExpressCapability.DeviceControlOffset;
        ConfigEffects effects = nic.WriteConfig(devctl, 2, PciExpressCapability.InitiateFlr);
        Assert.Equal(ConfigEffects.FunctionLevelReset, effects);
        Assert.Equal(1, nic.ResetsPerformed);
        Assert.False(nic.IsReady);
    }

    [Fact]
    public void WriteConfig_InitiateFlrWithoutFlr_DoesNothing()
    {
        SimFunction gpu = SimLab.Function("0000:01:00.0");
        int devctl = gpu.Function.Decoded.Pcie!.Offset + PciExpressCapability.DeviceControlOffset;
        Assert.Equal(ConfigEffects.None, gpu.WriteConfig(devctl, 2, PciExpressCapability.InitiateFlr));
        Assert.Equal(0, gpu.ResetsPerformed);
        Assert.True(gpu.IsReady);
    }

    [Theory]
    [InlineData("0000:05:00.0", 0x01C3)] // endpoint: ASPM, common clock, extended synch, clock PM
    [InlineData("0000:06:00.0", 0x01C3)] // NVMe
    [InlineData("0000:01:00.0", 0x01C3)] // GPU (legacy endpoint)
    [InlineData("0000:00:01.0", 0x0FD3)] // root port adds link disable and bandwidth interrupts; retrain reads 0
    [InlineData("0000:04:08.0", 0x0FD3)] // downstream port likewise
    public void WriteConfig_LinkControlAllOnes_KeepsWritableBits(string address, int writable)
    {
        SimFunction f = SimLab.Function(address);
        int lnkctl = f.Function.Decoded.Pcie!.Offset + PciExpressCapability.LinkControlOffset;
        f.Write16(lnkctl, 0xFFFF);
        Assert.Equal(writable, f.Read16(lnkctl));
    }

    [Fact]
    public void WriteConfig_DeviceStatus_ErrorBitsAreWriteOneToClear()
    {
        SimFunction nic = SimLab.Function("0000:05:00.0");
        int devsta = nic.Function.Decoded.Pcie!.Offset + PciExpressCapability.DeviceStatusOffset;
        nic.InjectCorrectableError(0);
        nic.InjectUncorrectableError(12);
        Assert.Equal(0x3, nic.Read16(devsta) & 0xF);
        nic.Write16(devsta, 0x1);
        Assert.Equal(0x2, nic.Read16(devsta) & 0xF);
        nic.Write16(devsta, 0xFFFF);
        Assert.Equal(0, nic.Read16(devsta) & 0xF);
    }

    [Theory]
    [InlineData(AerCapability.UncorrectableMaskOffset, AerCapability.UncorrectableDefined)] // RWS over the defined bits
    [InlineData(AerCapability.UncorrectableSeverityOffset, AerCapability.UncorrectableDefined)] // RWS
    [InlineData(AerCapability.CorrectableMaskOffset, AerCapability.CorrectableDefined)] // RWS
    [InlineData(AerCapability.UncorrectableStatusOffset, 0u)] // RW1C: writing ones sets nothing
    [InlineData(AerCapability.CorrectableStatusOffset, 0u)] // RW1C
    public void WriteConfig_AerRegisterAllOnes_FollowsItsAccess(int register, uint expected)
    {
        SimFunction nvme = SimLab.Function("0000:06:00.0");
        int offset = nvme.Function.Decoded.Aer!.Offset + register;
        nvme.WriteConfig(offset, 4, 0xFFFF_FFFF);
        Assert.Equal(expected, nvme.ReadConfig(offset, 4));
    }

    [Theory]
    [InlineData("0000:00:01.0")] // CPU root port
    [InlineData("0000:00:1c.0")] // PCH root port
    [InlineData("0000:01:00.0")] // GPU
    [InlineData("0000:01:00.1")] // GPU audio
    [InlineData("0000:02:00.0")] // Wi-Fi
    [InlineData("0000:03:00.0")] // switch upstream port
    [InlineData("0000:04:08.0")] // switch downstream port
    [InlineData("0000:05:00.0")] // NIC
    [InlineData("0000:06:00.0")] // NVMe
    public void WriteConfig_AerMasksAndSeverity_KeepOnlyDefinedBits(string address)
    {
        SimFunction f = SimLab.Function(address);
        int aer = f.Function.Decoded.Aer!.Offset;
        Assert.Equal(AerCapability.DefaultSeverity, f.ReadConfig(aer + AerCapability.UncorrectableSeverityOffset, 4));
        Assert.Equal(AerCapability.DefaultCorrectableMask, f.ReadConfig(aer + AerCapability.CorrectableMaskOffset, 4));
        foreach (int register in new[] { AerCapability.UncorrectableMaskOffset, AerCapability.UncorrectableSeverityOffset, AerCapability.CorrectableMaskOffset })
        {
            f.WriteConfig(aer + register, 4, 0xFFFF_FFFF);
        }

        Assert.Equal(AerCapability.UncorrectableDefined, f.ReadConfig(aer + AerCapability.UncorrectableMaskOffset, 4));
        Assert.Equal(AerCapability.UncorrectableDefined, f.ReadConfig(aer + AerCapability.UncorrectableSeverityOffset, 4));
        Assert.Equal(AerCapability.CorrectableDefined, f.ReadConfig(aer + AerCapability.CorrectableMaskOffset, 4));
    }

    [Fact]
    public void WriteConfig_RootErrorCommand_IsReadWriteOnRootPorts()
    {
        SimFunction port = SimLab.Function("0000:00:01.0");
        int aer = port.Function.Decoded.Aer!.Offset;
        port.WriteConfig(aer + AerCapability.RootCommandOffset, 4, 0xFFFF_FFFF);
        Assert.Equal(0x7u, port.ReadConfig(aer + AerCapability.RootCommandOffset, 4));
    }

    [Fact]
    public void WriteConfig_AerStatusOne_ClearsLoggedError()
    {
        SimFunction nvme = SimLab.Function("0000:06:00.0");
        int status = nvme.Function.Decoded.Aer!.Offset + AerCapability.UncorrectableStatusOffset;
        nvme.InjectUncorrectableError(14);
        nvme.InjectUncorrectableError(12);
        nvme.WriteConfig(status, 4, 1u << 14);
        Assert.Equal(1u << 12, nvme.ReadConfig(status, 4));
    }

    [Theory]
    [InlineData(ConfigOffsets.PrimaryBus, 1, 0xFFu, 0xFFu)] // bus numbers
    [InlineData(ConfigOffsets.SecondaryBus, 1, 0x42u, 0x42u)] // secondary bus
    [InlineData(ConfigOffsets.SubordinateBus, 1, 0x43u, 0x43u)] // subordinate bus
    [InlineData(ConfigOffsets.IoBase, 1, 0xFFu, 0xF0u)] // I/O base: 16-bit decode nibble is read-only 0
    [InlineData(ConfigOffsets.MemoryBase, 2, 0xFFFFu, 0xFFF0u)] // memory base: 1 MiB granularity
    [InlineData(ConfigOffsets.MemoryLimit, 2, 0x1234u, 0x1230u)] // memory limit
    [InlineData(ConfigOffsets.PrefetchableBase, 2, 0xFFF0u, 0xFFF1u)] // prefetchable base keeps its 64-bit flag
    [InlineData(ConfigOffsets.PrefetchableBaseUpper, 4, 0x1234_5678u, 0x1234_5678u)] // upper 32 bits
    [InlineData(ConfigOffsets.BridgeControl, 2, 0xFFBFu, 0x003Fu)] // Bridge Control without SBR
    public void WriteConfig_BridgeRegister_KeepsWritableBits(int offset, int size, uint written, uint expected)
    {
        SimFunction port = SimLab.Function("0000:04:08.0");
        port.WriteConfig(offset, size, written);
        Assert.Equal(expected, port.ReadConfig(offset, size));
    }

    [Fact]
    public void WriteConfig_AcsControl_EnablesOnlyCapableBits()
    {
        SimFunction port = SimLab.Function("0000:04:08.0");
        int control = port.Function.Decoded.Acs!.Offset + 6;
        port.Write16(control, 0xFFFF);
        Assert.Equal(port.Function.Decoded.Acs.Capability & 0x7F, port.Read16(control));
    }
}
