using BenchmarkDotNet.Attributes;
using Passage.Pci.Capabilities;

namespace Passage.Bench;

/// <summary>
/// A guest's writes to the MSI-X table of the simulated NVMe drive through the memory bus: the VM
/// lock, the bus lookup, the trapped table page, the function lock and the table emulation.
/// MSI-X is enabled with every entry masked, as Linux has it while it programs entries. Floor:
/// the same 4-byte write to guest RAM.
/// </summary>
[MemoryDiagnoser]
public class MsixTableBenchmarks
{
    private readonly byte[] _data = [0x42, 0, 0, 0];
    private readonly byte[] _masked = [1, 0, 0, 0];
    private GuestMachine _guest = null!;
    private ulong _ram;
    private ulong _entryData;
    private ulong _entryVectorControl;

    [GlobalSetup]
    public void Setup()
    {
        _guest = new GuestMachine("0000:06:00.0");
        _guest.EnableMsix(unmasked: 0);
        ulong entry = _guest.MsixTable() + (2 * MsixCapability.EntrySize);
        _ram = GuestMachine.RamAddress;
        _entryData = entry + 8;
        _entryVectorControl = entry + 12;
    }

    [GlobalCleanup]
    public void Cleanup() => _guest.Dispose();

    /// <summary>Floor: 4 bytes to guest RAM through <c>WriteMemory</c>.</summary>
    [Benchmark(Baseline = true)]
    public bool RamWriteFloor() => _guest.Machine.WriteMemory(_ram, _data);

    /// <summary>Entry 2's Message Data while it is masked: stored, applied at the next unmask.</summary>
    [Benchmark]
    public bool WriteEntryData() => _guest.Machine.WriteMemory(_entryData, _data);

    /// <summary>Entry 2's Vector Control written masked again: unchanged, nothing to do.</summary>
    [Benchmark]
    public bool WriteVectorControlStillMasked() => _guest.Machine.WriteMemory(_entryVectorControl, _masked);
}
