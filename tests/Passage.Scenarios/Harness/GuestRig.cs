using System.Collections.Concurrent;
using Passage.Host.Devices;
using Passage.Host.Sim;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Vpci.Function;
using Passage.Vpci.Guest;
using Passage.Vpci.Machine;

namespace Passage.Scenarios.Harness;

/// <summary>
/// One lab function given to a guest: a freshly powered-on simulated lab, the function opened as a
/// <see cref="SimDevice"/>, reached through a transport, attached to a <see cref="VirtualMachine"/>.
/// The guest side acts only through the machine (ECAM config, the memory bus, the LAPIC); the host
/// side is inspected through the <see cref="SimDevice"/> itself (its region 7, its model), which a
/// vfio-user transport leaves on this side of the socket.
/// </summary>
internal sealed class GuestRig : IGuest, IDisposable
{
    private const ulong RamSize = 1UL << 20;

    private readonly ConcurrentQueue<string> _log = new();
    private readonly Func<IHostDevice, SimDevice, IHostDevice>? _interpose;
    private IDeviceConnection _connection;
    private bool _disposed;

    private GuestRig(IDeviceTransport transport, string address, bool dynamicMsix, Func<IHostDevice, SimDevice, IHostDevice>? interpose)
    {
        Transport = transport;
        _interpose = interpose;
        Host = new SimHost(LabDevices.Lab);
        Sim = new SimDevice(Host, PciAddress.Parse(address), dynamicMsix);
        IDeviceConnection? connection = null;
        VirtualMachine? machine = null;
        try
        {
            connection = transport.Connect(Sim);
            machine = NewMachine();
            connection.MapGuestRam(machine.Ram);
            Slot = machine.AttachHost(GuestSide(connection), options: FunctionOptions);
        }
        catch
        {
            machine?.Dispose();
            connection?.Dispose();
            Sim.Dispose();
            throw;
        }

        _connection = connection;
        Machine = machine;
        Config = new GuestConfig(Machine, Slot);
    }

    /// <summary>The transport between the machine and the device.</summary>
    public IDeviceTransport Transport { get; }

    /// <summary>The simulated lab.</summary>
    public SimHost Host { get; }

    /// <summary>The host device, on the host's side of the transport.</summary>
    public SimDevice Sim { get; }

    /// <summary>The guest's machine (replaced by <see cref="AssignToNewGuest"/>).</summary>
    public VirtualMachine Machine { get; private set; }

    /// <summary>The guest slot the function sits in.</summary>
    public int Slot { get; private set; }

    /// <summary>The function's config space as the guest reaches it.</summary>
    public GuestConfig Config { get; private set; }

    /// <summary>What the virtual function logged (refused accesses, host refusals).</summary>
    public IReadOnlyCollection<string> Log => _log;

    /// <summary>Guest addresses of the BARs <see cref="PlaceBars"/> placed (0 = not placed).</summary>
    public ulong[] Bars { get; } = new ulong[6];

    /// <summary>The model's control block (DOORBELL, SCRATCH, counters).</summary>
    public SimControlBlock Control => Sim.Function.Model.ControlBlock!;

    /// <summary>The guest address of the DOORBELL register (BARs must be placed).</summary>
    public ulong Doorbell => Bars[Control.Bar] + Control.Offset + SimControlBlock.Doorbell;

    private VirtualFunctionOptions FunctionOptions => VirtualFunctionOptions.Default with { Log = _log.Enqueue };

    /// <summary>
    /// Opens <paramref name="address"/> of a fresh lab over the transport called
    /// <paramref name="transport"/>; <paramref name="dynamicMsix"/> false gives a NORESIZE host;
    /// <paramref name="interpose"/> may put a decorator between the transport and the machine.
    /// </summary>
    public static GuestRig Open(string transport, string address, bool dynamicMsix = true, Func<IHostDevice, SimDevice, IHostDevice>? interpose = null) =>
        new(DeviceTransports.Named(transport), address, dynamicMsix, interpose);

    /// <summary>
    /// The guest goes away, whatever state it left: its machine is disposed (the virtual function
    /// with it) and the transport closed. The host device stays open for <see cref="AssignToNewGuest"/>.
    /// </summary>
    public void DestroyGuest()
    {
        Machine.Dispose();
        _connection.Dispose();
    }

    /// <summary>The same host device, reconnected, is attached to a fresh machine: a new guest.</summary>
    public void AssignToNewGuest()
    {
        _connection = Transport.Connect(Sim);
        Machine = NewMachine();
        _connection.MapGuestRam(Machine.Ram);
        Slot = Machine.AttachHost(GuestSide(_connection), options: FunctionOptions);
        Config = new GuestConfig(Machine, Slot);
        Array.Clear(Bars);
    }

    /// <summary>Reads <paramref name="size"/> (1–8) bytes of guest memory, little-endian.</summary>
    public ulong Read(ulong address, int size) => Machine.ReadValue(address, size);

    /// <summary>Writes <paramref name="size"/> (1–8) bytes of guest memory, little-endian.</summary>
    public void Write(ulong address, int size, ulong value) => Machine.WriteValue(address, size, value);

    /// <summary>
    /// Sizes every BAR with the all-ones probe (decoding off) and places it naturally aligned, as
    /// the guest driver model does (32-bit ones from 0x8000_0000, 64-bit ones above 4 GiB).
    /// </summary>
    public ulong[] PlaceBars()
    {
        Array.Clear(Bars);
        foreach (GuestBarAssignment bar in new GuestDriver(Machine).PlaceBars(Slot))
        {
            Bars[bar.Index] = bar.Address;
        }

        return Bars;
    }

    /// <summary>Places the BARs and turns memory decoding and bus mastering on.</summary>
    public void Start()
    {
        PlaceBars();
        Config.Command = (ushort)(PciCommand.MemorySpace | PciCommand.BusMaster);
        if ((Config.Command & (ushort)PciCommand.MemorySpace) == 0)
        {
            throw new InvalidOperationException($"memory decoding refused: {string.Join("; ", _log)}");
        }
    }

    /// <summary>Rings the DOORBELL: the device raises interrupt <paramref name="vector"/>.</summary>
    public void Ring(int vector) => Write(Doorbell, 4, (uint)vector);

    /// <summary>Rings the DOORBELL and waits until what it caused has been delivered or latched.</summary>
    public void RingAndSettle(int vector)
    {
        Ring(vector);
        Machine.Settle();
    }

    /// <summary>The host device's whole config space through its own region 7.</summary>
    public byte[] HostConfig()
    {
        byte[] bytes = new byte[(int)Sim.GetRegionInfo(VfioRegion.Config).Size];
        Errno errno = Sim.Read(VfioRegion.Config, 0, bytes);
        return errno == Errno.None ? bytes : throw new HostDeviceException(errno, "region 7 cannot be read");
    }

    /// <summary><paramref name="size"/> bytes at <paramref name="offset"/> of BAR <paramref name="bar"/> as the device itself holds them (below the host's policy).</summary>
    public ulong DeviceBar(int bar, ulong offset, int size) => Sim.Function.ReadBar(bar, offset, size);

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Machine.Dispose();
        _connection.Dispose();
        Sim.Dispose();
    }

    private IHostDevice GuestSide(IDeviceConnection connection) => _interpose?.Invoke(connection.Device, Sim) ?? connection.Device;

    private VirtualMachine NewMachine() => new(new VirtualMachineOptions { RamSize = RamSize, Clock = Host.Clock });
}
