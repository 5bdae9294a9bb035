using Passage.Host.Devices;
using Passage.Host.Inventory;
using Passage.Host.Sim;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Vpci.Guest;
using Passage.Vpci.Machine;

namespace Passage.Vpci.Tests.Guest;

public sealed class GuestDriverTests
{
    private static readonly Lazy<HostInventory> Lab = new(() => SimulatedHost.Load(Path.Combine(AppContext.BaseDirectory, "hosts", "lab.json")));

    [Theory]
    [InlineData("0000:05:00.0", GuestInterruptMode.Msix, 5, 5)] // NIC: MSI-X in its own BAR
    [InlineData("0000:06:00.0", GuestInterruptMode.Msix, 33, 33)] // NVMe: admin + 32 queues
    [InlineData("0000:02:00.0", GuestInterruptMode.Msix, 16, 16)] // Wi-Fi: registers in the table page
    [InlineData("0000:07:00.0", GuestInterruptMode.Msix, 8, 8)] // T5 VF: PBA fixed up
    [InlineData("0000:01:00.0", GuestInterruptMode.Msi, 1, 1)] // GPU: MSI, one vector
    [InlineData("0000:01:00.1", GuestInterruptMode.Msi, 1, 1)] // GPU audio
    [InlineData("0000:00:1f.2", GuestInterruptMode.Msi, 16, 16)] // AHCI: 32-bit MSI, 16 vectors, BAR smaller than a page
    public void Probe_LabDevice_EveryVectorDeliveredExactlyOnce(string address, GuestInterruptMode mode, int tableSize, int vectors)
    {
        using var run = new Run(address, rounds: 50);

        GuestProbeResult result = run.Driver.Probe(1);

        Assert.Equal(mode, result.Mode);
        Assert.Equal(tableSize, result.TableSize);
        Assert.Equal(vectors, result.Vectors.Count);
        Assert.All(result.Vectors, v => Assert.Equal(1, v.Received));
        Assert.Equal([.. Enumerable.Range(0x40, vectors)], result.Vectors.Select(v => v.X86Vector));
        Assert.Equal(50, result.Latency!.Samples);
        Assert.Equal(0, result.Latency.Lost);
        Assert.True(result.AllDelivered);
        Assert.Equal(vectors + 50, run.Machine.Lapic.Total);
    }

    [Fact]
    public void Probe_Nic_PlacesBarsNaturallyAlignedLargestFirst()
    {
        using var run = new Run("0000:05:00.0", rounds: 0);

        GuestProbeResult result = run.Driver.Probe(1);

        Assert.Equal([(0, 0x8000_0000UL, 0x10_0000UL), (3, 0x8010_0000UL, 0x4000UL)], result.Bars.Select(b => (b.Index, b.Address, b.Size)));
        Assert.All(result.Bars, b => Assert.Equal(0UL, b.Address % b.Size));
    }

    [Fact]
    public void Probe_Gpu_Places64BitBarsAbove4GiB()
    {
        using var run = new Run("0000:01:00.0", rounds: 0);

        GuestProbeResult result = run.Driver.Probe(1);

        GuestBarAssignment vram = result.Bars.Single(b => b.Index == 0);
        Assert.True(vram.Is64 && vram.Prefetchable);
        Assert.Equal(256UL << 20, vram.Size);
        Assert.True(vram.Address >= 1UL << 32);
        Assert.DoesNotContain(result.Bars, b => b.Index == 4); // the I/O BAR is not offered
    }

    [Fact]
    public void EnableMsix_FirstTwoUnmasked_OthersStayMaskedAndOnlyTheTwoDeliver()
    {
        using var run = new Run("0000:05:00.0", rounds: 0);
        IReadOnlyList<GuestBarAssignment> bars = run.Driver.PlaceBars(1);
        Assert.True(run.Driver.EnableDecoding(1));

        GuestMsixSetup setup = run.Driver.EnableMsix(1, bars, unmasked: 2);

        Assert.Equal((0x70, 5, 5, 3), (setup.Capability, setup.TableSize, setup.Vectors, setup.TableBar));
        Assert.Equal(bars.Single(b => b.Index == 3).Address + setup.TableOffset, setup.TableAddress);
        uint[] vectorControl = [.. Enumerable.Range(0, 5).Select(v => (uint)run.Machine.ReadValue(setup.TableAddress + (ulong)(16 * v) + 12, 4))];
        Assert.Equal([0u, 0u, 1u, 1u, 1u], vectorControl);
        Assert.Equal(0x8000u, run.Machine.ReadConfig(1, setup.Capability + 2, 2) & 0xC000); // enabled, function unmasked
        Assert.Equal(0x42u, (uint)run.Machine.ReadValue(setup.TableAddress + 32 + 8, 4)); // entry 2 programmed to 0x40 + 2
    }

    [Fact]
    public void FindCapability_Absent_Zero()
    {
        using var run = new Run("0000:00:1f.3", rounds: 0);

        Assert.Equal(0, run.Driver.FindCapability(1, Passage.Pci.Capabilities.CapabilityId.MsiX));
        Assert.Throws<GuestDriverException>(() => run.Driver.EnableMsix(1, []));
    }

    [Fact]
    public void Probe_WrongDoorbell_EveryVectorMissedAndNoLatencyWaitedOut()
    {
        // SCRATCH instead of DOORBELL: a write there raises nothing.
        using var run = new Run("0000:05:00.0", rounds: 1000, doorbellRegister: SimControlBlock.Scratch, timeout: TimeSpan.FromMilliseconds(50));

        GuestProbeResult result = run.Driver.Probe(1);

        Assert.Equal(5, result.Vectors.Count);
        Assert.All(result.Vectors, v => Assert.Equal(0, v.Received));
        Assert.Null(result.Latency);
        Assert.Contains("latency not measured: vector 0 got no interrupt", result.Steps);
        Assert.False(result.AllDelivered);
    }

    [Fact]
    public void Probe_DeviceStopsAnsweringWhileTimed_RestCountedLostAfterThreeMisses()
    {
        var host = new SimHost(Lab.Value);
        using var sim = new SimDevice(host, PciAddress.Parse("0000:05:00.0"));
        SimControlBlock block = sim.Function.Model.ControlBlock!;
        // Five vectors rung once each, then two timed rounds answered, then silence.
        var device = new DoorbellsThenSilence(sim, block.Bar, block.Offset + SimControlBlock.Doorbell, answered: 5 + 2);
        using var machine = new VirtualMachine(new VirtualMachineOptions { Clock = host.Clock });
        machine.AttachHost(device);
        var driver = new GuestDriver(machine, new GuestDriverOptions
        {
            Doorbell = new DoorbellRegister(block.Bar, block.Offset + SimControlBlock.Doorbell),
            LatencyRounds = 1000,
            InterruptTimeout = TimeSpan.FromMilliseconds(50),
        });

        GuestProbeResult result = driver.Probe(1);

        Assert.All(result.Vectors, v => Assert.Equal(1, v.Received));
        Assert.Equal((2, 998), (result.Latency!.Samples, result.Latency.Lost));
        Assert.Equal(5 + 2 + 3, device.DoorbellWrites); // three misses in a row, then no more ringing
        Assert.False(result.AllDelivered);
    }

    [Fact]
    public void Probe_Afterwards_FunctionIsTornDown()
    {
        using var run = new Run("0000:05:00.0", rounds: 5);

        run.Driver.Probe(1);

        Assert.Equal(0u, run.Machine.ReadConfig(1, ConfigOffsets.Command, 2));
        Assert.Equal(4u, run.Machine.ReadConfig(1, 0x72, 2)); // MSI-X disabled, not function-masked
        Assert.Equal(0, run.Sim.Interrupts.MsixAllocated);
        Assert.Equal(0, run.Sim.Interrupts.ActiveIndex); // MSI-X released: INTx is back, as the guest uses it
    }

    [Fact]
    public void Probe_SmbusWithoutMsi_RefusedWithAClearReason()
    {
        using var run = new Run("0000:00:1f.3", rounds: 0);

        GuestDriverException e = Assert.Throws<GuestDriverException>(() => run.Driver.Probe(1));

        Assert.Contains("neither MSI nor MSI-X", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_EmptySlot_Refused()
    {
        using var run = new Run("0000:05:00.0", rounds: 0);

        Assert.Throws<GuestDriverException>(() => run.Driver.Probe(7));
    }

    [Fact]
    public void Enumerate_TwoFunctions_FoundInSlotOrderWithIds()
    {
        using var run = new Run("0000:05:00.0", rounds: 0);
        using var wifi = new SimDevice(run.Host, PciAddress.Parse("0000:02:00.0"));
        run.Machine.AttachHost(wifi);

        IReadOnlyList<GuestFunctionInfo> found = run.Driver.Enumerate();

        Assert.Equal([(1, (ushort)0x8086, (ushort)0x1533), (2, (ushort)0x8086, (ushort)0x2725)], found.Select(f => (f.Slot, f.VendorId, f.DeviceId)));
        Assert.Equal(0x020000u, found[0].ClassCode);
    }

    [Fact]
    public void Probe_WithoutDoorbell_SetsUpAndTearsDownWithoutRinging()
    {
        using var run = new Run("0000:05:00.0", rounds: 10, doorbell: false);

        GuestProbeResult result = run.Driver.Probe(1);

        Assert.Empty(result.Vectors);
        Assert.Null(result.Latency);
        Assert.Equal(0, run.Machine.Lapic.Total);
        Assert.Contains(result.Steps, s => s.StartsWith("MSI-X: 5 entries", StringComparison.Ordinal));
    }

    private sealed class Run : IDisposable
    {
        public Run(string address, int rounds, bool doorbell = true, int doorbellRegister = SimControlBlock.Doorbell, TimeSpan? timeout = null)
        {
            Host = new SimHost(Lab.Value);
            Sim = new SimDevice(Host, PciAddress.Parse(address));
            Machine = new VirtualMachine(new VirtualMachineOptions { Clock = Host.Clock });
            Machine.AttachHost(Sim);
            SimControlBlock block = Sim.Function.Model.ControlBlock!;
            Driver = new GuestDriver(Machine, new GuestDriverOptions
            {
                Doorbell = doorbell ? new DoorbellRegister(block.Bar, block.Offset + (ulong)doorbellRegister) : null,
                LatencyRounds = rounds,
                InterruptTimeout = timeout ?? GuestDriverOptions.Default.InterruptTimeout,
            });
        }

        public SimHost Host { get; }

        public SimDevice Sim { get; }

        public VirtualMachine Machine { get; }

        public GuestDriver Driver { get; }

        public void Dispose()
        {
            Machine.Dispose();
            Sim.Dispose();
        }
    }

    // Lets the first `answered` doorbell writes through, then drops the rest (a device that stopped answering).
    private sealed class DoorbellsThenSilence(IHostDevice inner, int bar, ulong doorbell, int answered) : IHostDevice
    {
        private int _writes;

        public int DoorbellWrites => Volatile.Read(ref _writes);

        public DeviceInfo Info => inner.Info;

        public RegionInfo GetRegionInfo(int index) => inner.GetRegionInfo(index);

        public Errno Read(int region, ulong offset, Span<byte> data) => inner.Read(region, offset, data);

        public Errno Write(int region, ulong offset, ReadOnlySpan<byte> data) =>
            region == bar && offset == doorbell && Interlocked.Increment(ref _writes) > answered ? Errno.None : inner.Write(region, offset, data);

        public IMappedArea Map(int region, int area) => inner.Map(region, area);

        public IrqInfo GetIrqInfo(int index) => inner.GetIrqInfo(index);

        public int SetIrqs(int index, uint start, uint count, IrqSetFlags flags, ReadOnlySpan<byte> data) => inner.SetIrqs(index, start, count, flags, data);

        public void Reset() => inner.Reset();

        public HotResetInfo GetHotResetInfo() => inner.GetHotResetInfo();

        public void HotReset(HotResetProof proof) => inner.HotReset(proof);

        public void Dispose()
        {
        }
    }
}
