using System.Collections.Concurrent;
using Passage.Host.Linux;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.VfioUser.Client;
using Passage.Vpci.Function;
using Passage.Vpci.Guest;
using Passage.Vpci.Machine;

namespace Passage.Scenarios.Harness;

/// <summary>
/// A guest in this process whose function is imported from a vfio-user server in another process:
/// a <see cref="VirtualMachine"/> with a <see cref="VfioUserClient"/> attached and its RAM mapped to
/// the server for DMA. Everything it knows of the device it learns as a guest does — ECAM config,
/// the memory bus, the LAPIC — plus the DOORBELL register the server announced.
/// </summary>
internal sealed class RemoteGuest : IGuest, IDisposable
{
    private const ulong RamSize = 1UL << 20;

    private readonly ConcurrentQueue<string> _log = new();
    private readonly (int Bar, ulong Offset) _doorbell;
    private bool _disposed;

    /// <summary>Connects to the server on <paramref name="socketPath"/> and attaches what it serves to a fresh machine.</summary>
    public RemoteGuest(string socketPath, (int Bar, ulong Offset) doorbell)
    {
        _doorbell = doorbell;
        Client = VfioUserClient.Connect(socketPath);
        VirtualMachine? machine = null;
        try
        {
            machine = new VirtualMachine(new VirtualMachineOptions { RamSize = RamSize });
            using (FileDescriptorHandle ram = machine.Ram.OpenDescriptor())
            {
                Client.MapDma(0, ram, 0, machine.Ram.Length);
            }

            Slot = machine.AttachHost(Client, options: VirtualFunctionOptions.Default with { Log = _log.Enqueue });
        }
        catch
        {
            machine?.Dispose();
            Client.Dispose();
            throw;
        }

        Machine = machine;
        Config = new GuestConfig(Machine, Slot);
    }

    /// <summary>The imported device.</summary>
    public VfioUserClient Client { get; }

    /// <inheritdoc />
    public VirtualMachine Machine { get; }

    /// <summary>The guest slot the function sits in.</summary>
    public int Slot { get; }

    /// <inheritdoc />
    public GuestConfig Config { get; }

    /// <inheritdoc />
    public ulong[] Bars { get; } = new ulong[6];

    /// <summary>What the virtual function logged.</summary>
    public IReadOnlyCollection<string> Log => _log;

    /// <summary>Guest address of the model's control block (DOORBELL first; BARs must be placed).</summary>
    public ulong ControlBlock => Bars[_doorbell.Bar] + _doorbell.Offset - SimControlBlock.Doorbell;

    /// <inheritdoc />
    public ulong Read(ulong address, int size) => Machine.ReadValue(address, size);

    /// <inheritdoc />
    public void Write(ulong address, int size, ulong value) => Machine.WriteValue(address, size, value);

    /// <inheritdoc />
    public void Ring(int vector) => Write(ControlBlock + SimControlBlock.Doorbell, 4, (uint)vector);

    /// <summary>Rings the DOORBELL and waits until what it caused has been delivered or latched.</summary>
    public void RingAndSettle(int vector)
    {
        Ring(vector);
        Machine.Settle();
    }

    /// <summary>A register of the control block, read through the BAR as a driver reads it.</summary>
    public ulong ControlRegister(int offset) => Read(ControlBlock + (ulong)offset, 4);

    /// <summary>Sizes and places every BAR as the guest driver model does, then turns memory decoding and bus mastering on.</summary>
    public void Start()
    {
        foreach (GuestBarAssignment bar in new GuestDriver(Machine).PlaceBars(Slot))
        {
            Bars[bar.Index] = bar.Address;
        }

        Config.Command = (ushort)(PciCommand.MemorySpace | PciCommand.BusMaster);
        if ((Config.Command & (ushort)PciCommand.MemorySpace) == 0)
        {
            throw new InvalidOperationException($"memory decoding refused: {string.Join("; ", _log)}");
        }
    }

    /// <summary>The machine goes (its virtual function with it), then the connection: the server sees its client leave.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Machine.Dispose();
        Client.Dispose();
    }
}
