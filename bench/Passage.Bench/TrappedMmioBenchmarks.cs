using BenchmarkDotNet.Attributes;
using Passage.Host.Sim.Models;
using Passage.Host.Sim.Runtime;

namespace Passage.Bench;

/// <summary>
/// The Wi-Fi model's control registers, which share a 4 KiB page with its MSI-X table (seed 003):
/// a guest access there is trapped, checked against the table and PBA (vpci.md §7.9) and forwarded
/// to the device through <c>IHostDevice</c>. Floor: a read of the straight-through mapped part of
/// the same BAR (the CSR registers below the table page).
/// </summary>
[MemoryDiagnoser]
public class TrappedMmioBenchmarks
{
    private readonly byte[] _four = new byte[4];
    private readonly byte[] _two = new byte[2];
    private GuestMachine _guest = null!;
    private ulong _mapped;
    private ulong _scratch;

    [GlobalSetup]
    public void Setup()
    {
        _guest = new GuestMachine("0000:02:00.0");
        _mapped = _guest.Bars[_guest.Control.Bar] + 0x100;
        _scratch = _guest.ControlRegister(SimControlBlock.Scratch);
        if (_guest.Control.Offset != WifiModel.ControlRegisters)
        {
            throw new InvalidOperationException("the Wi-Fi model's control registers moved; the benchmark no longer measures the shared page");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _guest.Dispose();

    /// <summary>Floor: 4 bytes from the mapped (straight-through) part of BAR0.</summary>
    [Benchmark(Baseline = true)]
    public bool MappedReadFloor() => _guest.Machine.ReadMemory(_mapped, _four);

    /// <summary>SCRATCH, 4 bytes aligned: trapped, forwarded at the guest's width.</summary>
    [Benchmark]
    public bool ReadAdjacent() => _guest.Machine.ReadMemory(_scratch, _four);

    /// <summary>SCRATCH, 4 bytes aligned, written.</summary>
    [Benchmark]
    public bool WriteAdjacent() => _guest.Machine.WriteMemory(_scratch, _four);

    /// <summary>2 bytes at SCRATCH + 1: unaligned, so split into two forwarded single-byte reads.</summary>
    [Benchmark]
    public bool ReadAdjacentUnaligned() => _guest.Machine.ReadMemory(_scratch + 1, _two);
}
