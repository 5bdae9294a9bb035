using BenchmarkDotNet.Attributes;
using Passage.Host.Devices;
using Passage.Host.Inventory;
using Passage.Host.Policy;
using Passage.Host.Sim;
using Passage.Pci;

namespace Passage.Bench;

/// <summary>Config-space access through vfio-pci's virtualization policy, against plain memory as the floor.</summary>
[MemoryDiagnoser]
public class ConfigAccessBenchmarks
{
    private readonly byte[] _buffer = new byte[4];
    private VirtualConfigSpace _space = null!;
    private MemoryConfig _memory = null!;
    private int _msixControl;

    [GlobalSetup]
    public void Setup()
    {
        HostInventory lab = SimulatedHost.Load(Path.Combine(AppContext.BaseDirectory, "hosts", "lab.json"));
        HostFunction nvme = lab.Find(PciAddress.Parse("0000:06:00.0"))!;
        _memory = new MemoryConfig(nvme.Config.Bytes.ToArray());
        _space = new VirtualConfigSpace(_memory, nvme.Config, [.. Enumerable.Range(0, 6).Select(i => nvme.BarSize(i))], 0, new NoEvents());
        _msixControl = nvme.Decoded.Msix!.Offset + 2;
    }

    /// <summary>Floor: the same read from plain memory, no policy.</summary>
    [Benchmark(Baseline = true)]
    public Errno ReadDwordMemoryFloor() => _memory.Read(ConfigOffsets.Command, _buffer);

    /// <summary>Command/Status: a virtual bit merged with hardware bits.</summary>
    [Benchmark]
    public Errno ReadCommandStatus() => _space.Read(ConfigOffsets.Command, _buffer);

    /// <summary>A BAR: fully virtual.</summary>
    [Benchmark]
    public Errno ReadBar() => _space.Read(ConfigOffsets.Bar0, _buffer);

    /// <summary>MSI-X Message Control: read through from hardware.</summary>
    [Benchmark]
    public Errno ReadMsixControl() => _space.Read(_msixControl, _buffer.AsSpan(0, 2));

    /// <summary>A BAR sizing probe write.</summary>
    [Benchmark]
    public Errno WriteBarProbe()
    {
        _buffer.AsSpan().Fill(0xFF);
        return _space.Write(ConfigOffsets.Bar0, _buffer);
    }

    private sealed class MemoryConfig(byte[] bytes) : IConfigHardware
    {
        public Errno Read(int offset, Span<byte> data)
        {
            bytes.AsSpan(offset, data.Length).CopyTo(data);
            return Errno.None;
        }

        public Errno Write(int offset, ReadOnlySpan<byte> data)
        {
            data.CopyTo(bytes.AsSpan(offset));
            return Errno.None;
        }
    }

    private sealed class NoEvents : IConfigPolicyEvents
    {
        public bool MsiEnabled => false;

        public int MsiVectorsAllocated => 0;

        public void CommandWritten(PciCommand previous, PciCommand current)
        {
        }

        public void FunctionLevelResetRequested()
        {
        }

        public void PowerStateRequested(int state)
        {
        }
    }
}
