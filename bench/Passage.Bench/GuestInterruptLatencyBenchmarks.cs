using BenchmarkDotNet.Attributes;
using Passage.Host.Sim.Runtime;
using Passage.Vpci.Interrupts;

namespace Passage.Bench;

/// <summary>
/// Doorbell → guest interrupt on the simulated NVMe drive, MSI-X vector 0 programmed to the LAPIC:
/// one operation is the guest's doorbell write through its BAR mapping (the trapped page, the
/// device policy, the model's MSI-X logic, the vector's eventfd) until the guest sees the
/// interrupt (the router thread wakes, reads the eventfd, checks the vector's gate — no lock — and
/// delivers to the LAPIC). The floor pays the same two thread wake-ups with nothing else: a bare
/// eventfd A, a thread blocked on it that answers on eventfd B, and the benchmark thread reading B.
/// </summary>
/// <remarks>
/// Two ways to see the interrupt arrive. <see cref="DoorbellToLapicCount"/> waits as the guest
/// driver model does, <c>Lapic.WaitForCount</c>: it spins briefly, then blocks on a monitor.
/// <see cref="DoorbellToBlockedReader"/> makes the benchmark thread wait exactly as the floor's
/// does — blocked on an eventfd the LAPIC's delivery handler writes on the router thread — so both
/// sides of the ratio make the same kernel calls and only Passage's path differs.
/// </remarks>
[MemoryDiagnoser]
public class GuestInterruptLatencyBenchmarks
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly byte[] _vector0 = new byte[4];
    private GuestMachine _guest = null!;
    private ulong _doorbell;
    private EventFdRelay _relay = null!;
    private Action<MsiMessage>? _onMessage;

    [GlobalSetup]
    public void Setup()
    {
        _guest = new GuestMachine("0000:06:00.0");
        _guest.EnableMsix(unmasked: 1);
        _doorbell = _guest.ControlRegister(SimControlBlock.Doorbell);
        _relay = new EventFdRelay();
    }

    /// <summary>As <see cref="Setup"/>, and every interrupt the LAPIC receives is answered on eventfd B.</summary>
    [GlobalSetup(Target = nameof(DoorbellToBlockedReader))]
    public void SetupBlockedReader()
    {
        Setup();
        _onMessage = _ => _relay.Answer();
        _guest.Machine.Lapic.MessageReceived += _onMessage;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_onMessage is not null)
        {
            _guest.Machine.Lapic.MessageReceived -= _onMessage;
        }

        _relay.Dispose();
        _guest.Dispose();
    }

    /// <summary>Floor: write eventfd A; a blocked thread reads it and writes B; read B.</summary>
    [Benchmark(Baseline = true)]
    public ulong BareEventFdPairRoundTrip() => _relay.RoundTrip();

    /// <summary>Ring the doorbell through the guest's BAR mapping, wait until the LAPIC counted vector 0x40 (spin, then block).</summary>
    [Benchmark]
    public bool DoorbellToLapicCount()
    {
        long target = _guest.Machine.Lapic.Count(GuestMachine.FirstVector) + 1;
        _guest.Machine.WriteMemory(_doorbell, _vector0);
        return _guest.Machine.Lapic.WaitForCount(GuestMachine.FirstVector, target, Timeout);
    }

    /// <summary>Ring the doorbell, wait blocked on eventfd B, which the LAPIC's delivery handler writes.</summary>
    [Benchmark]
    public ulong DoorbellToBlockedReader()
    {
        _guest.Machine.WriteMemory(_doorbell, _vector0);
        return _relay.WaitAnswer();
    }
}
