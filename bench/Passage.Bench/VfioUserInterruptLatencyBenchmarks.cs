using BenchmarkDotNet.Attributes;
using Passage.Host.Devices;
using Passage.Host.Sim.Runtime;
using Passage.Vpci.Interrupts;

namespace Passage.Bench;

/// <summary>
/// Interrupt latency with the simulated NVMe drive behind vfio-user, against the same drive given
/// to the guest in-process. MSI-X vector 0 is programmed to the LAPIC; one operation is the device
/// raising interrupt 0 from its own side — its DOORBELL written through the server-side
/// <c>SimDevice.Write</c>, as its firmware would, not through the guest's MMIO (which would add a
/// REGION_WRITE round trip) — until the guest has it: the vector's eventfd wakes the router
/// thread, which delivers to the LAPIC, whose delivery handler writes eventfd B, on which the
/// benchmark thread is blocked. Over vfio-user the eventfd is one the client handed the server in
/// SET_IRQS, so the server is not on the path and the two variants should match. Floor: the bare
/// eventfd pair with a forwarding thread (<see cref="EventFdRelay"/>), the same two wake-ups.
/// </summary>
[MemoryDiagnoser]
public class VfioUserInterruptLatencyBenchmarks
{
    private const string Nvme = "0000:06:00.0";

    private readonly byte[] _vector0 = new byte[4];
    private EventFdRelay _relay = null!;
    private GuestMachine? _guest;
    private int _doorbellBar;
    private ulong _doorbell;
    private Action<MsiMessage>? _onMessage;

    [GlobalSetup(Target = nameof(BareEventFdPairRoundTrip))]
    public void SetupFloor() => _relay = new EventFdRelay();

    [GlobalSetup(Target = nameof(InProcessDoorbellToBlockedReader))]
    public void SetupInProcess() => SetupGuest(overVfioUser: false);

    [GlobalSetup(Target = nameof(VfioUserDoorbellToBlockedReader))]
    public void SetupVfioUser() => SetupGuest(overVfioUser: true);

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_onMessage is not null)
        {
            _guest!.Machine.Lapic.MessageReceived -= _onMessage;
        }

        _relay.Dispose();
        _guest?.Dispose();
    }

    /// <summary>Floor: write eventfd A; a blocked thread reads it and writes B; read B.</summary>
    [Benchmark(Baseline = true)]
    public ulong BareEventFdPairRoundTrip() => _relay.RoundTrip();

    /// <summary>The device rings its doorbell; the guest has the function itself.</summary>
    [Benchmark]
    public ulong InProcessDoorbellToBlockedReader() => RingAndWait();

    /// <summary>The device rings its doorbell on the server's side; the guest imported the function over vfio-user.</summary>
    [Benchmark]
    public ulong VfioUserDoorbellToBlockedReader() => RingAndWait();

    private ulong RingAndWait()
    {
        _guest!.Device.Write(_doorbellBar, _doorbell, _vector0);
        return _relay.WaitAnswer();
    }

    private void SetupGuest(bool overVfioUser)
    {
        _relay = new EventFdRelay();
        _guest = new GuestMachine(Nvme, overVfioUser);
        _guest.EnableMsix(unmasked: 1);
        _doorbellBar = _guest.Control.Bar;
        _doorbell = _guest.Control.Offset + SimControlBlock.Doorbell;
        _onMessage = _ => _relay.Answer();
        _guest.Machine.Lapic.MessageReceived += _onMessage;

        // The vector must be wired to the guest, or the first measured operation would wait forever.
        if (!_guest.Device.Interrupts.IsWired(VfioIrq.Msix, 0))
        {
            throw new InvalidOperationException("MSI-X vector 0 of the device is not wired to an eventfd");
        }

        long target = _guest.Machine.Lapic.Count(GuestMachine.FirstVector) + 1;
        Errno rung = _guest.Device.Write(_doorbellBar, _doorbell, _vector0);
        if (rung != Errno.None || !_guest.Machine.Lapic.WaitForCount(GuestMachine.FirstVector, target, TimeSpan.FromSeconds(10)))
        {
            throw new InvalidOperationException($"the doorbell did not reach the guest ({rung})");
        }

        // The delivery handler answered that interrupt too: consume it before the first measured operation.
        _relay.WaitAnswer();
    }
}
