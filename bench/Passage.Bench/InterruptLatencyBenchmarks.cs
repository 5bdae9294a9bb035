using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Passage.Host.Devices;
using Passage.Host.Inventory;
using Passage.Host.Linux;
using Passage.Host.Sim;
using Passage.Host.Sim.Runtime;
using Passage.Pci;

namespace Passage.Bench;

/// <summary>
/// Interrupt delivery latency: a doorbell write on the simulated NVMe drive until a thread blocked
/// on the vector's eventfd has read it, against the floor of a bare write to that same eventfd. Each operation is a round trip — the reader answers on a second eventfd — so
/// both sides pay the same wake-up of the benchmark thread and the ratio isolates Passage's path.
/// </summary>
[MemoryDiagnoser]
public class InterruptLatencyBenchmarks
{
    private readonly byte[] _doorbell = new byte[4];
    private SimDevice _device = null!;
    private EventFd _vector = null!;
    private EventFd _ack = null!;
    private Thread _reader = null!;
    private volatile bool _stop;
    private ulong _doorbellOffset;
    private int _doorbellBar;

    [GlobalSetup]
    public void Setup()
    {
        HostInventory lab = SimulatedHost.Load(Path.Combine(AppContext.BaseDirectory, "hosts", "lab.json"));
        _device = new SimDevice(new SimHost(lab), PciAddress.Parse("0000:06:00.0"));
        byte[] command = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(command, (ushort)(PciCommand.MemorySpace | PciCommand.BusMaster));
        _device.Write(VfioRegion.Config, ConfigOffsets.Command, command);

        _vector = EventFd.Create();
        _ack = EventFd.Create();
        byte[] fds = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(fds, _vector.Fd);
        _device.SetIrqs(VfioIrq.Msix, 0, 1, IrqSetFlags.ActionTrigger | IrqSetFlags.DataEventfd, fds);

        SimControlBlock block = _device.Function.Model.ControlBlock!;
        _doorbellBar = block.Bar;
        _doorbellOffset = block.Offset + SimControlBlock.Doorbell;
        BinaryPrimitives.WriteUInt32LittleEndian(_doorbell, 0); // vector 0

        _reader = new Thread(ReadLoop) { IsBackground = true, Name = "interrupt reader" };
        _reader.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop = true;
        _vector.Signal();
        _reader.Join();
        _device.Dispose();
        _vector.Dispose();
        _ack.Dispose();
    }

    /// <summary>Floor: write the same eventfd directly, wait for the reader's answer.</summary>
    [Benchmark(Baseline = true)]
    public ulong BareEventFdRoundTrip()
    {
        _vector.Signal();
        return WaitAck();
    }

    /// <summary>Doorbell through the device policy to the vector's eventfd, then the same answer.</summary>
    [Benchmark]
    public ulong DoorbellToEventFdRoundTrip()
    {
        _device.Write(_doorbellBar, _doorbellOffset, _doorbell);
        return WaitAck();
    }

    private ulong WaitAck()
    {
        ulong n;
        while (!_ack.TryRead(out n))
        {
            _ack.Wait(Timeout.InfiniteTimeSpan);
        }

        return n;
    }

    // Blocks on the vector's eventfd like a VMM's interrupt thread; answers every interrupt it reads.
    private void ReadLoop()
    {
        while (!_stop)
        {
            _vector.Wait(Timeout.InfiniteTimeSpan);
            if (_vector.TryRead(out _) && !_stop)
            {
                _ack.Signal();
            }
        }
    }
}
