using System.Diagnostics;
using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Vpci.Machine;

namespace Passage.Vpci.Guest;

/// <summary>
/// What a Linux guest's PCI core and a simple driver do with a function, through the machine's
/// ECAM window and memory bus only: enumerate bus 0, size BARs with the all-ones probe and place
/// them naturally aligned, enable memory decoding and bus mastering, set up MSI-X (enable with the
/// function masked, program every entry, unmask them, unmask the function) or else MSI, ring the
/// device's doorbell once per vector and count the interrupts the LAPIC receives, measure the
/// doorbell → interrupt round trip, then tear everything down.
/// </summary>
public sealed class GuestDriver
{
    private const ulong LapicAddress = Lapic.Base;

    // Timed doorbells lost one after another before the rest of the run is counted lost unrung.
    private const int MaxLostInARow = 3;

    private readonly VirtualMachine _machine;
    private readonly GuestDriverOptions _options;

    /// <summary>Drives functions of <paramref name="machine"/>.</summary>
    public GuestDriver(VirtualMachine machine, GuestDriverOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(machine);
        _machine = machine;
        _options = options ?? GuestDriverOptions.Default;
    }

    /// <summary>Every function on bus 0 (function 0 of each slot whose Vendor ID is not all ones).</summary>
    public IReadOnlyList<GuestFunctionInfo> Enumerate()
    {
        var found = new List<GuestFunctionInfo>();
        for (int slot = 0; slot < VirtualMachine.Slots; slot++)
        {
            if (Identify(slot) is { } info)
            {
                found.Add(info);
            }
        }

        return found;
    }

    /// <summary>Brings up the function in <paramref name="slot"/>, exercises its interrupts and tears it down.</summary>
    /// <exception cref="GuestDriverException">No function there, no MSI or MSI-X, or its BARs do not fit.</exception>
    public GuestProbeResult Probe(int slot)
    {
        GuestFunctionInfo function = Identify(slot) ?? throw new GuestDriverException($"no function at guest slot {slot}");
        var steps = new List<string> { $"found {function.VendorId:x4}:{function.DeviceId:x4} class {function.ClassCode:x6} at 00:{slot:x2}.0" };
        var config = new ConfigAccess(_machine, slot);

        IReadOnlyList<GuestBarAssignment> bars = PlaceBars(slot);
        steps.AddRange(bars.Select(b => $"BAR{b.Index}: {Size(b.Size)} {(b.Is64 ? "mem64" : "mem32")}{(b.Prefetchable ? " prefetchable" : string.Empty)} at 0x{b.Address:x}"));
        bool decoding = EnableDecoding(slot);
        steps.Add(decoding ? "memory decoding and bus mastering on" : "memory decoding refused by the function");
        if (!decoding && bars.Count > 0)
        {
            throw new GuestDriverException("the function refused memory decoding (see the machine's log)");
        }

        int msix = FindCapability(slot, CapabilityId.MsiX);
        int msi = FindCapability(slot, CapabilityId.Msi);
        GuestInterruptMode mode;
        int tableSize;
        int vectors;
        ulong tableAddress = 0;
        if (msix > 0)
        {
            mode = GuestInterruptMode.Msix;
            GuestMsixSetup setup = EnableMsix(slot, bars);
            (tableSize, vectors, tableAddress) = (setup.TableSize, setup.Vectors, setup.TableAddress);
            steps.Add($"MSI-X: {tableSize} entries at 0x{tableAddress:x} (BAR{setup.TableBar}+0x{setup.TableOffset:x}); enabled with the function masked, {vectors} entr{(vectors == 1 ? "y" : "ies")} programmed to LAPIC vectors 0x{_options.FirstVector:x}–0x{_options.FirstVector + vectors - 1:x} and unmasked, function unmasked");
        }
        else if (msi > 0)
        {
            mode = GuestInterruptMode.Msi;
            (tableSize, vectors) = SetUpMsi(config, msi, steps);
        }
        else
        {
            Teardown(config, GuestInterruptMode.None, 0, 0, 0, steps);
            throw new GuestDriverException($"{function.VendorId:x4}:{function.DeviceId:x4} has neither MSI nor MSI-X");
        }

        var results = new List<GuestVectorResult>();
        GuestLatency? latency = null;
        try
        {
            if (_options.Doorbell is { } doorbell)
            {
                ulong bell = DoorbellAddress(doorbell, bars);
                for (int v = 0; v < vectors; v++)
                {
                    int x86 = X86Vector(mode, v, vectors);
                    long before = _machine.Lapic.Count(x86);
                    Ring(bell, v);
                    _machine.Lapic.WaitForCount(x86, before + 1, _options.InterruptTimeout);
                    _machine.Settle();
                    results.Add(new GuestVectorResult(v, x86, 1, _machine.Lapic.Count(x86) - before));
                }

                steps.Add($"rang the doorbell once on each of {vectors} vector(s): {results.Count(r => r.Received == 1)} delivered exactly once");
                if (_options.LatencyRounds > 0 && results[0].Received == 0)
                {
                    // Nothing ever arrived (a wrong doorbell, a dead device): timing would only wait out every round.
                    steps.Add("latency not measured: vector 0 got no interrupt");
                }
                else if (_options.LatencyRounds > 0)
                {
                    latency = Measure(bell, X86Vector(mode, 0, vectors));
                    steps.Add($"measured {latency.Samples} doorbell round trips on vector 0");
                }
            }
        }
        finally
        {
            Teardown(config, mode, msix > 0 ? msix : msi, vectors, tableAddress, steps);
        }

        return new GuestProbeResult(function, bars, mode, tableSize, results, latency, steps);
    }

    private GuestFunctionInfo? Identify(int slot)
    {
        var config = new ConfigAccess(_machine, slot);
        uint ids = config.Read32(ConfigOffsets.VendorId);
        if ((ids & 0xFFFF) is 0xFFFF or 0)
        {
            return null;
        }

        return new GuestFunctionInfo(slot, (ushort)ids, (ushort)(ids >> 16), config.Read32(ConfigOffsets.RevisionId) >> 8, (byte)config.Read8(ConfigOffsets.HeaderType));
    }

    /// <summary>
    /// Sizes and places the BARs of the function in <paramref name="slot"/> as Linux's PCI core
    /// does: decoding off while sizing, each BAR probed with all ones and restored, then placed
    /// naturally aligned, largest first, 32-bit ones in [<see cref="GuestDriverOptions.Mmio32Base"/>,
    /// <see cref="GuestDriverOptions.Mmio32Limit"/>), 64-bit ones from <see cref="GuestDriverOptions.Mmio64Base"/>.
    /// Decoding stays off. Returns the placed BARs by index.
    /// </summary>
    /// <exception cref="GuestDriverException">A 32-bit BAR does not fit below the limit.</exception>
    public IReadOnlyList<GuestBarAssignment> PlaceBars(int slot)
    {
        var config = new ConfigAccess(_machine, slot);
        config.Write16(ConfigOffsets.Command, 0);
        var found = new List<(int Index, ulong Size, bool Is64, bool Prefetchable)>();
        for (int i = 0; i < 6; i++)
        {
            int reg = ConfigOffsets.Bar0 + (4 * i);
            uint original = config.Read32(reg);
            if ((original & BarEncoding.IoSpace) != 0)
            {
                continue;
            }

            bool is64 = (original & BarEncoding.MemoryTypeMask) == BarEncoding.MemoryType64 && i < 5;
            config.Write32(reg, uint.MaxValue);
            ulong mask = config.Read32(reg) & BarEncoding.MemoryAddressMask;
            config.Write32(reg, original);
            if (is64)
            {
                uint high = config.Read32(reg + 4);
                config.Write32(reg + 4, uint.MaxValue);
                mask |= (ulong)config.Read32(reg + 4) << 32;
                config.Write32(reg + 4, high);
            }
            else if (mask != 0)
            {
                mask |= 0xFFFF_FFFF_0000_0000;
            }

            if (mask != 0)
            {
                found.Add((i, ~mask + 1, is64, (original & BarEncoding.Prefetchable) != 0));
            }

            if (is64)
            {
                i++;
            }
        }

        ulong next32 = _options.Mmio32Base;
        ulong next64 = _options.Mmio64Base;
        var placed = new List<GuestBarAssignment>();
        foreach ((int index, ulong size, bool is64, bool prefetchable) in found.OrderByDescending(b => b.Size).ThenBy(b => b.Index))
        {
            ref ulong cursor = ref is64 ? ref next64 : ref next32;
            ulong address = (cursor + size - 1) & ~(size - 1);
            if (!is64 && address + size > _options.Mmio32Limit)
            {
                throw new GuestDriverException($"BAR{index} (0x{size:x} bytes) does not fit below 0x{_options.Mmio32Limit:x}");
            }

            cursor = address + size;
            int reg = ConfigOffsets.Bar0 + (4 * index);
            config.Write32(reg, (uint)address);
            if (is64)
            {
                config.Write32(reg + 4, (uint)(address >> 32));
            }

            placed.Add(new GuestBarAssignment(index, address, size, is64, prefetchable));
        }

        placed.Sort((a, b) => a.Index.CompareTo(b.Index));
        return placed;
    }

    /// <summary>Turns on memory decoding and bus mastering; false when the function refused decoding (its Memory bit reads 0).</summary>
    public bool EnableDecoding(int slot)
    {
        var config = new ConfigAccess(_machine, slot);
        config.Write16(ConfigOffsets.Command, (ushort)(PciCommand.MemorySpace | PciCommand.BusMaster));
        return (config.Read16(ConfigOffsets.Command) & (ushort)PciCommand.MemorySpace) != 0;
    }

    /// <summary>Offset of the first capability <paramref name="id"/> in the guest's list of the function in <paramref name="slot"/>, or 0.</summary>
    public int FindCapability(int slot, CapabilityId id) => FindCapability(new ConfigAccess(_machine, slot), id);

    /// <summary>
    /// Brings MSI-X up in Linux's order: enable with the function masked, program entry i to the
    /// LAPIC with vector <see cref="GuestDriverOptions.FirstVector"/> + i (at most
    /// <see cref="GuestDriverOptions.MaxVectors"/> entries), unmask the first
    /// <paramref name="unmasked"/> of them (all by default), unmask the function.
    /// </summary>
    /// <exception cref="GuestDriverException">No MSI-X capability, or its table is in a BAR not in <paramref name="bars"/>.</exception>
    public GuestMsixSetup EnableMsix(int slot, IReadOnlyList<GuestBarAssignment> bars, int unmasked = int.MaxValue)
    {
        var config = new ConfigAccess(_machine, slot);
        int cap = FindCapability(config, CapabilityId.MsiX);
        if (cap == 0)
        {
            throw new GuestDriverException("the function has no MSI-X capability");
        }

        int control = cap + MsixCapability.ControlOffset;
        int tableSize = (config.Read16(control) & MsixCapability.TableSizeMask) + 1;
        uint table = config.Read32(cap + MsixCapability.TableOffset);
        GuestBarAssignment bar = bars.FirstOrDefault(b => b.Index == (int)(table & MsixCapability.BirMask))
            ?? throw new GuestDriverException($"the MSI-X table is in BAR{table & MsixCapability.BirMask}, which the guest could not place");
        ulong tableAddress = bar.Address + (table & ~MsixCapability.BirMask);
        int vectors = Math.Min(tableSize, Math.Min(_options.MaxVectors, 0xFF - _options.FirstVector));

        // Linux: enable with the function masked, program every entry while masked, unmask them, unmask the function.
        config.Write16(control, (ushort)(MsixCapability.Enable | MsixCapability.FunctionMask));
        for (int v = 0; v < vectors; v++)
        {
            ulong entry = tableAddress + ((ulong)v * MsixCapability.EntrySize);
            WriteMmio32(entry, (uint)LapicAddress);
            WriteMmio32(entry + 4, 0);
            WriteMmio32(entry + 8, (uint)X86Vector(GuestInterruptMode.Msix, v, vectors));
        }

        for (int v = 0; v < Math.Min(vectors, unmasked); v++)
        {
            WriteMmio32(tableAddress + ((ulong)v * MsixCapability.EntrySize) + 12, 0);
        }

        config.Write16(control, MsixCapability.Enable);
        return new GuestMsixSetup(cap, tableSize, vectors, tableAddress, bar.Index, table & ~MsixCapability.BirMask);
    }

    private (int Capable, int Vectors) SetUpMsi(ConfigAccess config, int cap, List<string> steps)
    {
        int control = cap + MsiCapability.ControlOffset;
        ushort value = config.Read16(control);
        int capable = 1 << ((value & MsiCapability.MultipleMessageCapableMask) >> 1);
        bool is64 = (value & MsiCapability.Address64) != 0;
        int vectors = 1;
        while (vectors * 2 <= Math.Min(capable, _options.MaxVectors))
        {
            vectors *= 2;
        }

        config.Write32(cap + MsiCapability.AddressOffset, (uint)LapicAddress);
        int data = cap + (is64 ? 0x0C : 0x08);
        if (is64)
        {
            config.Write32(cap + 0x08, 0);
        }

        config.Write16(data, (ushort)X86Vector(GuestInterruptMode.Msi, 0, vectors));
        int log2 = System.Numerics.BitOperations.Log2((uint)vectors);
        config.Write16(control, (ushort)((value & ~MsiCapability.MultipleMessageEnableMask) | (log2 << 4) | MsiCapability.Enable));
        bool enabled = (config.Read16(control) & MsiCapability.Enable) != 0;
        if (!enabled)
        {
            throw new GuestDriverException("the function refused to enable MSI (see the machine's log)");
        }

        steps.Add($"MSI: {capable} vector(s) capable, {(is64 ? "64" : "32")}-bit; enabled {vectors} to LAPIC vectors 0x{X86Vector(GuestInterruptMode.Msi, 0, vectors):x}–0x{X86Vector(GuestInterruptMode.Msi, vectors - 1, vectors):x}");
        return (capable, vectors);
    }

    private void Teardown(ConfigAccess config, GuestInterruptMode mode, int cap, int vectors, ulong tableAddress, List<string> steps)
    {
        if (mode == GuestInterruptMode.Msix)
        {
            for (int v = 0; v < vectors; v++)
            {
                WriteMmio32(tableAddress + ((ulong)v * MsixCapability.EntrySize) + 12, 1);
            }

            config.Write16(cap + MsixCapability.ControlOffset, 0);
            steps.Add("MSI-X: entries masked, disabled");
        }
        else if (mode == GuestInterruptMode.Msi)
        {
            config.Write16(cap + MsiCapability.ControlOffset, 0);
            steps.Add("MSI: disabled");
        }

        config.Write16(ConfigOffsets.Command, 0);
        steps.Add("memory decoding and bus mastering off");
    }

    private GuestLatency Measure(ulong bell, int x86)
    {
        int rounds = _options.LatencyRounds;
        double[] samples = new double[rounds];
        int lost = 0;
        int taken = 0;
        int lostInARow = 0;
        for (int r = 0; r < rounds; r++)
        {
            long before = _machine.Lapic.Count(x86);
            long start = Stopwatch.GetTimestamp();
            Ring(bell, 0);
            if (!_machine.Lapic.WaitForCount(x86, before + 1, _options.InterruptTimeout))
            {
                lost++;

                // The device stopped answering: the rounds left would each wait out the timeout.
                if (++lostInARow == MaxLostInARow)
                {
                    lost += rounds - r - 1;
                    break;
                }

                continue;
            }

            lostInARow = 0;
            samples[taken++] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        Array.Sort(samples, 0, taken);
        return taken == 0
            ? new GuestLatency(0, lost, 0, 0, 0, 0)
            : new GuestLatency(taken, lost, Percentile(samples, taken, 0.5), Percentile(samples, taken, 0.99), samples[0], samples[taken - 1]);
    }

    private static double Percentile(double[] sorted, int count, double p) => sorted[Math.Min(count - 1, (int)Math.Ceiling(p * count) - 1)];

    // MSI vectors form an aligned block (the function ORs the vector number into the data's low bits).
    private int X86Vector(GuestInterruptMode mode, int vector, int vectors) =>
        mode == GuestInterruptMode.Msi
            ? ((_options.FirstVector + vectors - 1) & ~(vectors - 1)) + vector
            : _options.FirstVector + vector;

    private static ulong DoorbellAddress(DoorbellRegister doorbell, IReadOnlyList<GuestBarAssignment> bars) =>
        (bars.FirstOrDefault(b => b.Index == doorbell.Bar) ?? throw new GuestDriverException($"the doorbell is in BAR{doorbell.Bar}, which the guest could not place")).Address + doorbell.Offset;

    private void Ring(ulong bell, int vector) => WriteMmio32(bell, (uint)vector);

    private void WriteMmio32(ulong address, uint value) => _machine.WriteValue(address, 4, value);

    private static int FindCapability(ConfigAccess config, CapabilityId id)
    {
        if ((config.Read16(ConfigOffsets.Status) & (ushort)PciStatus.CapabilitiesList) == 0)
        {
            return 0;
        }

        int at = config.Read8(ConfigOffsets.CapabilitiesPointer) & 0xFC;
        for (int ttl = 0; at >= ConfigOffsets.HeaderSize && ttl < CapabilityWalker.StandardTtl; ttl++)
        {
            if (config.Read8(at) == (int)id)
            {
                return at;
            }

            at = config.Read8(at + 1) & 0xFC;
        }

        return 0;
    }

    private static string Size(ulong bytes) =>
        bytes >= 1UL << 30 && bytes % (1UL << 30) == 0 ? $"{bytes >> 30} GiB"
        : bytes >= 1UL << 20 && bytes % (1UL << 20) == 0 ? $"{bytes >> 20} MiB"
        : bytes >= 1UL << 10 && bytes % (1UL << 10) == 0 ? $"{bytes >> 10} KiB"
        : $"{bytes} bytes";

    // Config space of one slot through the ECAM window, as a guest kernel reaches it.
    private readonly struct ConfigAccess(VirtualMachine machine, int slot)
    {
        private ulong Address(int register) => VirtualMachine.EcamBase + ((ulong)slot << 15) + (ulong)register;

        public int Read8(int register) => (int)machine.ReadValue(Address(register), 1);

        public ushort Read16(int register) => (ushort)machine.ReadValue(Address(register), 2);

        public uint Read32(int register) => (uint)machine.ReadValue(Address(register), 4);

        public void Write16(int register, ushort value) => machine.WriteValue(Address(register), 2, value);

        public void Write32(int register, uint value) => machine.WriteValue(Address(register), 4, value);
    }
}
