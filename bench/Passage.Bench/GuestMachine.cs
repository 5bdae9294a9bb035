using System.Buffers.Binary;
using Passage.Host.Sim;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Vpci.Machine;

namespace Passage.Bench;

/// <summary>
/// A virtual machine with one function of the simulated lab host at guest 00:01.0, as a guest
/// driver leaves it after probing: BARs sized and placed naturally aligned (32-bit from
/// 0x8000_0000, 64-bit from 0x40_0000_0000), memory decoding and bus mastering on. Setup goes
/// through the machine's config accessors; the benchmarks then act as the guest does, through
/// guest-physical addresses.
/// </summary>
internal sealed class GuestMachine : IDisposable
{
    /// <summary>Guest RAM address the floors read and write.</summary>
    public const ulong RamAddress = 0x1000;

    /// <summary>x86 vector MSI-X entry i is programmed to: <see cref="FirstVector"/> + i.</summary>
    public const int FirstVector = 0x40;

    public GuestMachine(string address)
    {
        Host = new SimHost(SimulatedHost.Load(Path.Combine(AppContext.BaseDirectory, "hosts", "lab.json")));
        Device = new SimDevice(Host, PciAddress.Parse(address));
        Machine = new VirtualMachine(new VirtualMachineOptions { Clock = Host.Clock });
        Slot = Machine.AttachHost(Device);
        Bars = PlaceBars();
        Machine.WriteConfig(Slot, ConfigOffsets.Command, 2, (uint)(PciCommand.MemorySpace | PciCommand.BusMaster));
    }

    public SimHost Host { get; }

    public SimDevice Device { get; }

    public VirtualMachine Machine { get; }

    public int Slot { get; }

    /// <summary>Guest address of each BAR (0 for none).</summary>
    public ulong[] Bars { get; }

    /// <summary>The model's simulation control block (DOORBELL, SCRATCH, …).</summary>
    public SimControlBlock Control => Device.Function.Model.ControlBlock!;

    /// <summary>Guest address of a control-block register.</summary>
    public ulong ControlRegister(int register) => Bars[Control.Bar] + Control.Offset + (ulong)register;

    /// <summary>Guest address of <paramref name="register"/> of this function in the ECAM window.</summary>
    public ulong Ecam(int register) => VirtualMachine.EcamBase + ((ulong)Slot << 15) + (ulong)register;

    /// <summary>Offset of the capability <paramref name="id"/> in the guest's list.</summary>
    public int Capability(CapabilityId id)
    {
        int at = (int)Machine.ReadConfig(Slot, ConfigOffsets.CapabilitiesPointer, 1) & 0xFC;
        while (at != 0 && Machine.ReadConfig(Slot, at, 1) != (uint)id)
        {
            at = (int)Machine.ReadConfig(Slot, at + 1, 1) & 0xFC;
        }

        return at != 0 ? at : throw new InvalidOperationException($"the function has no {id} capability");
    }

    /// <summary>Guest address of the MSI-X table.</summary>
    public ulong MsixTable()
    {
        uint table = Machine.ReadConfig(Slot, Capability(CapabilityId.MsiX) + MsixCapability.TableOffset, 4);
        return Bars[(int)(table & MsixCapability.BirMask)] + (table & ~MsixCapability.BirMask);
    }

    /// <summary>Linux's order: MSI-X enabled with the function masked, every entry programmed to the LAPIC, the first <paramref name="unmasked"/> entries unmasked, the function unmasked.</summary>
    public void EnableMsix(int unmasked)
    {
        int control = Capability(CapabilityId.MsiX) + MsixCapability.ControlOffset;
        int entries = (int)(Machine.ReadConfig(Slot, control, 2) & MsixCapability.TableSizeMask) + 1;
        ulong table = MsixTable();
        Machine.WriteConfig(Slot, control, 2, MsixCapability.Enable | MsixCapability.FunctionMask);
        for (int v = 0; v < entries; v++)
        {
            ulong entry = table + ((ulong)v * MsixCapability.EntrySize);
            WriteMemory32(entry, (uint)Lapic.Base);
            WriteMemory32(entry + 4, 0);
            WriteMemory32(entry + 8, (uint)(FirstVector + v));
        }

        for (int v = 0; v < unmasked; v++)
        {
            WriteMemory32(table + ((ulong)v * MsixCapability.EntrySize) + 12, 0);
        }

        Machine.WriteConfig(Slot, control, 2, MsixCapability.Enable);
    }

    public void Dispose()
    {
        Machine.Dispose();
        Device.Dispose();
    }

    private void WriteMemory32(ulong address, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        Machine.WriteMemory(address, bytes);
    }

    private ulong[] PlaceBars()
    {
        ulong next32 = 0x8000_0000;
        ulong next64 = 0x40_0000_0000;
        ulong[] placed = new ulong[6];
        for (int i = 0; i < 6; i++)
        {
            int reg = ConfigOffsets.Bar0 + (4 * i);
            uint original = Machine.ReadConfig(Slot, reg, 4);
            bool is64 = (original & BarEncoding.MemoryTypeMask) == BarEncoding.MemoryType64;
            Machine.WriteConfig(Slot, reg, 4, uint.MaxValue);
            ulong mask = Machine.ReadConfig(Slot, reg, 4) & BarEncoding.MemoryAddressMask;
            if (is64)
            {
                Machine.WriteConfig(Slot, reg + 4, 4, uint.MaxValue);
                mask |= (ulong)Machine.ReadConfig(Slot, reg + 4, 4) << 32;
            }
            else if (mask != 0)
            {
                mask |= 0xFFFF_FFFF_0000_0000;
            }

            if (mask != 0)
            {
                ulong size = ~mask + 1;
                ref ulong cursor = ref is64 ? ref next64 : ref next32;
                cursor = (cursor + size - 1) & ~(size - 1);
                placed[i] = cursor;
                Machine.WriteConfig(Slot, reg, 4, (uint)cursor);
                if (is64)
                {
                    Machine.WriteConfig(Slot, reg + 4, 4, (uint)(cursor >> 32));
                }

                cursor += size;
            }

            if (is64)
            {
                i++;
            }
        }

        return placed;
    }
}
