using System.Buffers.Binary;
using Passage.Host.Sim;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Tests.Shared;
using Passage.Vpci.Guest;
using Passage.Vpci.Machine;

namespace Passage.Vpci.Tests.Machine;

/// <summary>
/// The guest's hot paths through a whole machine and a real virtual function over a simulated lab
/// device allocate nothing: config reads and writes through ECAM, MSI-X table writes, accesses to
/// device registers beside the MSI-X table, and a doorbell's interrupt from the guest's write to
/// the LAPIC, on the guest's thread and on the router's. <c>VirtualMachineTests</c> covers the
/// machine's own paths with a stub function; these reach the function's emulation and the device.
/// </summary>
public sealed class GuestHotPathAllocationTests
{
    private const string Nvme = "0000:06:00.0";
    private const string Wifi = "0000:02:00.0";
    private const int Iterations = 1000;
    private const int FirstVector = 0x40;

    [Fact]
    public void ConfigReadWrite_ThroughEcam_AllocatesNothing()
    {
        using var guest = new Guest(Nvme);
        int pcie = guest.Capability(CapabilityId.PciExpress);
        int msix = guest.Capability(CapabilityId.MsiX);
        byte[] command = new byte[2];
        byte[] deviceCapabilities = new byte[4];
        byte[] cacheLine = new byte[1];
        byte[] msixControl = new byte[2]; // disabled, not function-masked: the value it holds
        void Run(int i)
        {
            guest.Machine.ReadMemory(guest.Ecam(ConfigOffsets.Command), command);
            guest.Machine.ReadMemory(guest.Ecam(pcie + 4), deviceCapabilities);
            cacheLine[0] = (byte)(i & 0x3F);
            guest.Machine.WriteMemory(guest.Ecam(ConfigOffsets.CacheLineSize), cacheLine);
            guest.Machine.WriteMemory(guest.Ecam(msix + MsixCapability.ControlOffset), msixControl);
        }

        long allocated = AllocationMeter.Least(Run, Iterations);

        Assert.Equal(0, allocated);
        Assert.Equal((ushort)(PciCommand.MemorySpace | PciCommand.BusMaster), BinaryPrimitives.ReadUInt16LittleEndian(command));
        Assert.Equal((uint)(Iterations & 0x3F), guest.Machine.ReadConfig(guest.Slot, ConfigOffsets.CacheLineSize, 1));
        Assert.Equal(32u, guest.Machine.ReadConfig(guest.Slot, msix + MsixCapability.ControlOffset, 2)); // table size 33 − 1, still disabled
    }

    [Fact]
    public void MsixTableWrite_DataAndMaskedVectorControl_AllocatesNothing()
    {
        using var guest = new Guest(Nvme);
        guest.EnableMsix(unmasked: 0);
        ulong entry = guest.MsixTable() + (2 * MsixCapability.EntrySize);
        byte[] data = new byte[4];
        byte[] masked = [1, 0, 0, 0];
        void Run(int i)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(data, (uint)(FirstVector + (i & 0xF)));
            guest.Machine.WriteMemory(entry + 8, data);
            guest.Machine.WriteMemory(entry + 12, masked);
        }

        long allocated = AllocationMeter.Least(Run, Iterations);

        Assert.Equal(0, allocated);
        Assert.Equal((uint)(FirstVector + (Iterations & 0xF)), guest.ReadMemory32(entry + 8));
        Assert.Equal(1u, guest.ReadMemory32(entry + 12));
    }

    [Fact]
    public void TrappedAdjacentRegister_WifiScratch_AllocatesNothing()
    {
        using var guest = new Guest(Wifi);
        ulong scratch = guest.Bars[guest.Control.Bar] + guest.Control.Offset + SimControlBlock.Scratch;
        Assert.Equal(guest.MsixTable() & ~0xFFFUL, scratch & ~0xFFFUL); // the register shares the table's page
        byte[] value = new byte[4];
        byte[] readBack = new byte[4];
        byte[] unaligned = new byte[2];
        void Run(int i)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(value, (uint)i);
            guest.Machine.WriteMemory(scratch, value);
            guest.Machine.ReadMemory(scratch, readBack);
            guest.Machine.ReadMemory(scratch + 1, unaligned); // split into single bytes
        }

        long allocated = AllocationMeter.Least(Run, Iterations);

        Assert.Equal(0, allocated);
        Assert.Equal((uint)Iterations, BinaryPrimitives.ReadUInt32LittleEndian(readBack));
        Assert.Equal(0xFFFF, BinaryPrimitives.ReadUInt16LittleEndian(unaligned)); // the control block answers aligned dwords only
    }

    [Fact]
    public void DoorbellToLapic_GuestAndRouterThreads_AllocateNothing()
    {
        const int Warmup = 200;
        const int Measured = 2000;
        using var guest = new Guest(Nvme);
        guest.EnableMsix(unmasked: 1);
        ulong doorbell = guest.Bars[guest.Control.Bar] + guest.Control.Offset + SimControlBlock.Doorbell;
        byte[] vector0 = new byte[4];

        // The router thread's own counter, read on that thread when the warm-up's last and the
        // run's last interrupt reach the LAPIC: exact for that thread alone, whatever other tests
        // allocate meanwhile (a process-wide count would see them all).
        long delivered = 0;
        long routerAfterWarmup = -1;
        long routerAtEnd = -1;
        int deliveringThread = 0;
        guest.Machine.Lapic.MessageReceived += _ =>
        {
            long n = ++delivered;
            if (n == Warmup)
            {
                Volatile.Write(ref routerAfterWarmup, GC.GetAllocatedBytesForCurrentThread());
                Volatile.Write(ref deliveringThread, Environment.CurrentManagedThreadId);
            }
            else if (n == Warmup + Measured)
            {
                Volatile.Write(ref routerAtEnd, GC.GetAllocatedBytesForCurrentThread());
            }
        };

        int lost = 0;
        void Ring()
        {
            long target = guest.Machine.Lapic.Count(FirstVector) + 1;
            guest.Machine.WriteMemory(doorbell, vector0);
            if (!guest.Machine.Lapic.WaitForCount(FirstVector, target, TimeSpan.FromSeconds(30)))
            {
                lost++;
            }
        }

        for (int i = 0; i < Warmup; i++)
        {
            Ring();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Measured; i++)
        {
            Ring();
        }

        long guestAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
        guest.Machine.Settle(); // the router has left the last handler

        Assert.Equal(0, lost);
        Assert.Equal(Warmup + Measured, guest.Machine.Lapic.Count(FirstVector));
        Assert.Equal(0, guestAllocated);
        Assert.NotEqual(Environment.CurrentManagedThreadId, Volatile.Read(ref deliveringThread));
        Assert.NotEqual(-1, Volatile.Read(ref routerAtEnd));
        Assert.Equal(0, Volatile.Read(ref routerAtEnd) - Volatile.Read(ref routerAfterWarmup));
    }

    /// <summary>A machine with one lab function at 00:01.0 as the guest driver model leaves it after probing: BARs placed, memory decoding and bus mastering on.</summary>
    private sealed class Guest : IDisposable
    {
        private readonly IReadOnlyList<GuestBarAssignment> _placed;

        public Guest(string address)
        {
            Host = LabHost.Start();
            Sim = new SimDevice(Host, PciAddress.Parse(address));
            Machine = new VirtualMachine(new VirtualMachineOptions { Clock = Host.Clock });
            Slot = Machine.AttachHost(Sim);
            Driver = new GuestDriver(Machine);
            _placed = Driver.PlaceBars(Slot);
            foreach (GuestBarAssignment bar in _placed)
            {
                Bars[bar.Index] = bar.Address;
            }

            Assert.True(Driver.EnableDecoding(Slot));
        }

        public SimHost Host { get; }

        public SimDevice Sim { get; }

        public VirtualMachine Machine { get; }

        public GuestDriver Driver { get; }

        public int Slot { get; }

        public ulong[] Bars { get; } = new ulong[6];

        public SimControlBlock Control => Sim.Function.Model.ControlBlock!;

        public ulong Ecam(int register) => VirtualMachine.EcamBase + ((ulong)Slot << 15) + (ulong)register;

        public int Capability(CapabilityId id) => Driver.FindCapability(Slot, id) is > 0 and int at ? at : throw new InvalidOperationException($"no {id} capability");

        public ulong MsixTable()
        {
            uint table = Machine.ReadConfig(Slot, Capability(CapabilityId.MsiX) + MsixCapability.TableOffset, 4);
            return Bars[(int)(table & MsixCapability.BirMask)] + (table & ~MsixCapability.BirMask);
        }

        /// <summary>Linux's order: enable with the function masked, program every entry to the LAPIC, unmask the first <paramref name="unmasked"/>, unmask the function.</summary>
        public void EnableMsix(int unmasked) => Driver.EnableMsix(Slot, _placed, unmasked);

        public uint ReadMemory32(ulong address) => (uint)Machine.ReadValue(address, 4);

        public void Dispose()
        {
            Machine.Dispose();
            Sim.Dispose();
        }
    }
}
