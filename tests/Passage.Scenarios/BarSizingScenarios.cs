using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Scenarios.Harness;

namespace Passage.Scenarios;

/// <summary>A guest sizing BARs with the all-ones probe reads back each size mask; I/O and absent BARs read 0; the host's BARs are never written (vpci.md §5.1, §5.2).</summary>
public sealed class BarSizingScenarios
{
    public static TheoryData<string> Transports() => new(DeviceTransports.Names);

    public static TheoryData<string, string> Devices()
    {
        var data = new TheoryData<string, string>();
        foreach (string transport in DeviceTransports.Names)
        {
            data.Add(transport, LabDevices.Nic); // mem32 1 MiB, I/O, mem32 16 KiB
            data.Add(transport, LabDevices.Nvme); // one mem64
            data.Add(transport, LabDevices.Wifi); // one mem64
            data.Add(transport, LabDevices.T5Vf); // two mem64
            data.Add(transport, LabDevices.Gpu); // two prefetchable mem64 (256 MiB, 2 MiB), I/O, mem32
            data.Add(transport, LabDevices.Ahci); // five I/O BARs and a 2 KiB mem32
            data.Add(transport, LabDevices.Smbus); // a 256-byte mem64 and an I/O BAR
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public void AllOnesProbe_EveryBar_ReadsSizeMaskFromHostRegionAndHostUntouched(string transport, string device)
    {
        using var rig = GuestRig.Open(transport, device);
        byte[] host = rig.HostConfig();
        var hostConfig = new ConfigSpace(host);

        bool upperHalf = false;
        for (int i = 0; i < 6; i++)
        {
            int reg = ConfigOffsets.Bar0 + (4 * i);
            uint raw = hostConfig.Read32(reg);
            ulong size = rig.Sim.GetRegionInfo(i).Size;
            uint expected;
            if (upperHalf)
            {
                ulong lowerSize = rig.Sim.GetRegionInfo(i - 1).Size;
                expected = (uint)(~(lowerSize - 1) >> 32);
                upperHalf = false;
            }
            else if (size == 0 || (raw & BarEncoding.IoSpace) != 0)
            {
                expected = 0;
            }
            else
            {
                expected = ((uint)~(size - 1) & BarEncoding.MemoryAddressMask) | (raw & ~BarEncoding.MemoryAddressMask);
                upperHalf = (raw & BarEncoding.MemoryTypeMask) == BarEncoding.MemoryType64;
            }

            rig.Config.Write32(reg, uint.MaxValue);
            Assert.Equal((i, expected), (i, rig.Config.Read32(reg)));
        }

        Assert.Equal(host.AsSpan(ConfigOffsets.Bar0, 24).ToArray(), rig.HostConfig().AsSpan(ConfigOffsets.Bar0, 24).ToArray());
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public void AllOnesProbe_Gpu_ReadsTheKnownMasks(string transport)
    {
        using var rig = GuestRig.Open(transport, LabDevices.Gpu);

        uint[] probed = new uint[6];
        for (int i = 0; i < 6; i++)
        {
            rig.Config.Write32(ConfigOffsets.Bar0 + (4 * i), uint.MaxValue);
            probed[i] = rig.Config.Read32(ConfigOffsets.Bar0 + (4 * i));
        }

        Assert.Equal(
            [
                0xF000_000Cu, // BAR0: 256 MiB, 64-bit, prefetchable
                0xFFFF_FFFFu, // its upper half
                0xFFE0_000Cu, // BAR2: 2 MiB, 64-bit, prefetchable
                0xFFFF_FFFFu, // its upper half
                0u, // BAR4: I/O, not offered
                0xFFFC_0000u, // BAR5: 256 KiB, 32-bit
            ],
            probed);
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public void Placement_AddressWrittenAfterProbe_ReadsBackWithTypeBitsAndDecodes(string transport, string device)
    {
        using var rig = GuestRig.Open(transport, device);
        var hostConfig = new ConfigSpace(rig.HostConfig());

        ulong[] bars = rig.PlaceBars();
        rig.Config.Command = (ushort)PciCommand.MemorySpace;

        Assert.Equal((ushort)PciCommand.MemorySpace, rig.Config.Command & (ushort)PciCommand.MemorySpace);
        for (int i = 0; i < 6; i++)
        {
            if (bars[i] == 0)
            {
                continue;
            }

            uint raw = hostConfig.Read32(ConfigOffsets.Bar0 + (4 * i));
            Assert.Equal((uint)bars[i] | (raw & ~BarEncoding.MemoryAddressMask), rig.Config.Read32(ConfigOffsets.Bar0 + (4 * i)));
            if ((raw & BarEncoding.MemoryTypeMask) == BarEncoding.MemoryType64)
            {
                Assert.Equal((uint)(bars[i] >> 32), rig.Config.Read32(ConfigOffsets.Bar0 + (4 * i) + 4));
            }

            Assert.Equal(0UL, bars[i] % rig.Sim.GetRegionInfo(i).Size);
        }

        // The control block answers through its BAR at the guest's address.
        rig.Write(rig.Bars[rig.Control.Bar] + rig.Control.Offset + SimControlBlock.Scratch, 4, 0x5EED);
        Assert.Equal(0x5EEDUL, rig.DeviceBar(rig.Control.Bar, rig.Control.Offset + SimControlBlock.Scratch, 4));
    }
}
