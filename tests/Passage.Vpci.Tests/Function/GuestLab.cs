using Passage.Host.Inventory;
using Passage.Host.Sim;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Vpci.Function;
using Passage.Vpci.Interrupts;
using Passage.Vpci.Machine;

namespace Passage.Vpci.Tests.Function;

/// <summary>
/// One lab function given to a guest: a running simulated host, the function opened as a
/// <see cref="SimDevice"/> behind a recording decorator, an MMIO bus with 64 MiB of "RAM" claimed at
/// 0 (so BARs cannot land there), a router delivering to a recording sink, and the virtual function.
/// Helpers act as a guest would: config through the function, BAR accesses through the bus.
/// </summary>
internal sealed class GuestLab : IDisposable
{
    public const ulong RamSize = 64UL << 20;

    /// <summary>Where <see cref="PlaceBars"/> puts 32-bit BARs.</summary>
    public const ulong Mmio32 = 0x8000_0000;

    /// <summary>Where <see cref="PlaceBars"/> puts 64-bit BARs.</summary>
    public const ulong Mmio64 = 0x40_0000_0000;

    private static readonly Lazy<HostInventory> Lab = new(() => SimulatedHost.Load(Path.Combine(AppContext.BaseDirectory, "hosts", "lab.json")));

    private GuestLab(string address, bool dynamicMsix, VirtualFunctionOptions? options, int? msixAvailable)
    {
        Host = new SimHost(Lab.Value);
        Sim = new SimDevice(Host, PciAddress.Parse(address), dynamicMsix);
        Device = new RecordingHostDevice(Sim) { MsixAvailable = msixAvailable };
        Mmio = new AddressBus();
        Mmio.Insert(0, RamSize, new NullBusDevice());
        Sink = new RecordingSink();
        Router = new InterruptRouter(Sink);
        options ??= VirtualFunctionOptions.Default;
        Function = new VirtualFunction(Device, Mmio, Router, options with { Log = Log.Add });
    }

    public SimHost Host { get; }

    public SimDevice Sim { get; }

    public RecordingHostDevice Device { get; }

    public AddressBus Mmio { get; }

    public RecordingSink Sink { get; }

    public InterruptRouter Router { get; }

    public VirtualFunction Function { get; }

    public List<string> Log { get; } = [];

    public SimControlBlock Control => Sim.Function.Model.ControlBlock!;

    public static GuestLab Open(string address, bool dynamicMsix = true, VirtualFunctionOptions? options = null, int? msixAvailable = null) =>
        new(address, dynamicMsix, options, msixAvailable);

    public uint Read(int register, int size) => Function.ReadConfig(register, size);

    public void Write(int register, int size, uint value) => Function.WriteConfig(register, size, value);

    public ushort Command
    {
        get => (ushort)Read(ConfigOffsets.Command, 2);
        set => Write(ConfigOffsets.Command, 2, value);
    }

    /// <summary>Offset of the first capability with <paramref name="id"/> in the guest's list, or −1.</summary>
    public int FindCapability(Passage.Pci.Capabilities.CapabilityId id)
    {
        int at = (int)Read(ConfigOffsets.CapabilitiesPointer, 1) & 0xFC;
        for (int ttl = 0; at != 0 && ttl < 48; ttl++)
        {
            if (Read(at, 1) == (uint)id)
            {
                return at;
            }

            at = (int)Read(at + 1, 1) & 0xFC;
        }

        return -1;
    }

    /// <summary>Sizes every BAR the guest is offered and places it naturally aligned (32-bit below 4 GiB, 64-bit above); returns the guest addresses.</summary>
    public ulong[] PlaceBars()
    {
        ulong next32 = Mmio32;
        ulong next64 = Mmio64;
        ulong[] placed = new ulong[6];
        for (int i = 0; i < 6; i++)
        {
            int reg = ConfigOffsets.Bar0 + (4 * i);
            uint original = Read(reg, 4);
            Write(reg, 4, uint.MaxValue);
            uint low = Read(reg, 4);
            bool is64 = (original & 0x6) == 0x4;
            ulong mask = low & 0xFFFF_FFF0;
            if (is64)
            {
                Write(reg + 4, 4, uint.MaxValue);
                mask |= (ulong)Read(reg + 4, 4) << 32;
            }
            else if (mask != 0)
            {
                mask |= 0xFFFF_FFFF_0000_0000;
            }

            if (mask == 0)
            {
                Write(reg, 4, original);
                continue;
            }

            ulong size = ~mask + 1;
            ref ulong cursor = ref is64 ? ref next64 : ref next32;
            cursor = (cursor + size - 1) & ~(size - 1);
            placed[i] = cursor;
            Write(reg, 4, (uint)cursor);
            if (is64)
            {
                Write(reg + 4, 4, (uint)(cursor >> 32));
                i++;
            }

            cursor += size;
        }

        return placed;
    }

    /// <summary>Places the BARs and turns on memory decoding and bus mastering.</summary>
    public ulong[] Enable()
    {
        ulong[] bars = PlaceBars();
        Command = (ushort)(PciCommand.MemorySpace | PciCommand.BusMaster);
        return bars;
    }

    public ulong MmioRead(ulong address, int size) => Mmio.ReadValue(address, size);

    public void MmioWrite(ulong address, int size, ulong value) => Mmio.WriteValue(address, size, value);

    /// <summary>Rings the model's DOORBELL through the guest's BAR window and waits for the router to deliver what it caused.</summary>
    public void Ring(ulong[] bars, int vector, bool settle = true)
    {
        MmioWrite(bars[Control.Bar] + Control.Offset + SimControlBlock.Doorbell, 4, (uint)vector);
        if (settle)
        {
            Router.Drain();
        }
    }

    public void Dispose()
    {
        Function.Dispose();
        Router.Dispose();
        Device.Dispose();
    }

}
