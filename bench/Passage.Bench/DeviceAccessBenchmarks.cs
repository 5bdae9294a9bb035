using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Passage.Host.Devices;
using Passage.Host.Inventory;
using Passage.Host.Sim;
using Passage.Host.Sim.Runtime;
using Passage.Pci;

namespace Passage.Bench;

/// <summary>
/// Region access through <see cref="IHostDevice"/> on the simulated NVMe drive: config space
/// through the device policy, and BAR registers, against a plain 4-byte memory read as the floor.
/// </summary>
[MemoryDiagnoser]
public class DeviceAccessBenchmarks
{
    private readonly byte[] _buffer = new byte[4];
    private readonly byte[] _memory = new byte[4096];
    private int _floorOffset = 16;
    private SimDevice _device = null!;
    private ulong _scratch;
    private int _scratchBar;

    [GlobalSetup]
    public void Setup()
    {
        HostInventory lab = SimulatedHost.Load(Path.Combine(AppContext.BaseDirectory, "hosts", "lab.json"));
        _device = new SimDevice(new SimHost(lab), PciAddress.Parse("0000:06:00.0"));
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer, (ushort)(PciCommand.MemorySpace | PciCommand.BusMaster));
        _device.Write(VfioRegion.Config, ConfigOffsets.Command, _buffer.AsSpan(0, 2));
        SimControlBlock block = _device.Function.Model.ControlBlock!;
        _scratchBar = block.Bar;
        _scratch = block.Offset + SimControlBlock.Scratch;
    }

    [GlobalCleanup]
    public void Cleanup() => _device.Dispose();

    /// <summary>Floor: 4 bytes from plain memory.</summary>
    [Benchmark(Baseline = true)]
    public Errno MemoryFloor()
    {
        // Copy 4 bytes out as the region reads do, from an offset the JIT cannot fold away.
        _memory.AsSpan(_floorOffset, 4).CopyTo(_buffer);
        _floorOffset ^= 4;
        return Errno.None;
    }

    /// <summary>Config read of Command/Status through the device policy.</summary>
    [Benchmark]
    public Errno ConfigRead() => _device.Read(VfioRegion.Config, ConfigOffsets.Command, _buffer);

    /// <summary>Config write of Command through the device policy (reaches the device).</summary>
    [Benchmark]
    public Errno ConfigWrite() => _device.Write(VfioRegion.Config, ConfigOffsets.Command, _buffer.AsSpan(0, 2));

    /// <summary>A BAR register read (the scratch register).</summary>
    [Benchmark]
    public Errno BarRead() => _device.Read(_scratchBar, _scratch, _buffer);

    /// <summary>A BAR register write (the scratch register).</summary>
    [Benchmark]
    public Errno BarWrite() => _device.Write(_scratchBar, _scratch, _buffer);
}
