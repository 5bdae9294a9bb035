using Passage.Host.Sim;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Vpci.Guest;
using Passage.Vpci.Machine;

namespace Passage.Bench;

/// <summary>
/// A virtual machine with one function of the simulated lab host at guest 00:01.0, as the guest
/// driver model leaves it after probing: BARs sized and placed naturally aligned, memory decoding
/// and bus mastering on. The benchmarks then act as the guest does, through guest-physical addresses.
/// The guest is given the simulated function itself, or the function exported by a vfio-user server
/// and imported by a client in this process (<see cref="Loopback"/>).
/// </summary>
internal sealed class GuestMachine : IDisposable
{
    /// <summary>Guest RAM address the floors read and write.</summary>
    public const ulong RamAddress = 0x1000;

    private readonly IReadOnlyList<GuestBarAssignment> _placed;

    /// <summary>x86 vector MSI-X entry i is programmed to: <see cref="FirstVector"/> + i.</summary>
    public static int FirstVector => GuestDriverOptions.Default.FirstVector;

    /// <param name="address">The lab function.</param>
    /// <param name="overVfioUser">Give the guest the function as a <c>VfioUserClient</c> imports it from a server exporting <see cref="Device"/>, instead of <see cref="Device"/> itself.</param>
    public GuestMachine(string address, bool overVfioUser = false)
    {
        Host = new SimHost(SimulatedHost.Load(Path.Combine(AppContext.BaseDirectory, "hosts", "lab.json")));
        Device = new SimDevice(Host, PciAddress.Parse(address));
        Loopback = overVfioUser ? new VfioUserLoopback(Device) : null;
        Machine = new VirtualMachine(new VirtualMachineOptions { Clock = Host.Clock });
        Slot = Machine.AttachHost(Loopback is null ? Device : Loopback.Client);
        Driver = new GuestDriver(Machine);
        _placed = Driver.PlaceBars(Slot);
        foreach (GuestBarAssignment bar in _placed)
        {
            Bars[bar.Index] = bar.Address;
        }

        if (!Driver.EnableDecoding(Slot))
        {
            throw new InvalidOperationException($"{address}: the function refused memory decoding");
        }
    }

    public SimHost Host { get; }

    /// <summary>The simulated function; with vfio-user, the device the server exports (its side of the socket).</summary>
    public SimDevice Device { get; }

    /// <summary>The server and client between the guest and <see cref="Device"/>; null when the guest has the function itself.</summary>
    public VfioUserLoopback? Loopback { get; }

    public VirtualMachine Machine { get; }

    /// <summary>The guest driver model that set the function up.</summary>
    public GuestDriver Driver { get; }

    public int Slot { get; }

    /// <summary>Guest address of each BAR (0 for none).</summary>
    public ulong[] Bars { get; } = new ulong[6];

    /// <summary>The model's simulation control block (DOORBELL, SCRATCH, …).</summary>
    public SimControlBlock Control => Device.Function.Model.ControlBlock!;

    /// <summary>Guest address of a control-block register.</summary>
    public ulong ControlRegister(int register) => Bars[Control.Bar] + Control.Offset + (ulong)register;

    /// <summary>Guest address of <paramref name="register"/> of this function in the ECAM window.</summary>
    public ulong Ecam(int register) => VirtualMachine.EcamBase + ((ulong)Slot << 15) + (ulong)register;

    /// <summary>Offset of the capability <paramref name="id"/> in the guest's list.</summary>
    public int Capability(CapabilityId id) =>
        Driver.FindCapability(Slot, id) is > 0 and int at ? at : throw new InvalidOperationException($"the function has no {id} capability");

    /// <summary>Guest address of the MSI-X table.</summary>
    public ulong MsixTable()
    {
        uint table = Machine.ReadConfig(Slot, Capability(CapabilityId.MsiX) + MsixCapability.TableOffset, 4);
        return Bars[(int)(table & MsixCapability.BirMask)] + (table & ~MsixCapability.BirMask);
    }

    /// <summary>Linux's order: MSI-X enabled with the function masked, every entry programmed to the LAPIC, the first <paramref name="unmasked"/> entries unmasked, the function unmasked.</summary>
    public void EnableMsix(int unmasked) => Driver.EnableMsix(Slot, _placed, unmasked);

    public void Dispose()
    {
        Machine.Dispose();
        Loopback?.Dispose();
        Device.Dispose();
    }
}
