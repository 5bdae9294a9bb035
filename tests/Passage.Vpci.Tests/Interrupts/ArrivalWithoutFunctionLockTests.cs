using System.Buffers.Binary;
using System.Diagnostics;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Vpci.Tests.Function;

namespace Passage.Vpci.Tests.Interrupts;

/// <summary>
/// The interrupt path shares no lock with config and MMIO handling: while a config write is stuck
/// inside the host device (holding the function lock), an unmasked MSI-X or MSI vector is still
/// delivered and a masked one still latched. And the race between an unmask and an arrival never
/// loses or duplicates the interrupt.
/// </summary>
public sealed class ArrivalWithoutFunctionLockTests
{
    private const string Nic = "0000:05:00.0";
    private const uint Lapic = 0xFEE0_0000;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public void Arrive_UnmaskedMsixVectorWhileAConfigWriteHoldsTheFunctionLock_Delivered()
    {
        using var lab = GuestLab.Open(Nic);
        ulong[] bars = lab.Enable();
        int msix = BringUpMsix(lab, bars, vectors: 1);

        using var stuck = new StuckConfigWrite(lab);
        RingAtDevice(lab, 0);

        Assert.True(WaitFor(() => lab.Sink.Count == 1), "the interrupt waited for the function lock");
        Assert.True(stuck.StillInside);
        Assert.Equal(0x40u, Assert.Single(lab.Sink.Messages).Data);
        Assert.True(lab.Function.Msix!.Enabled && msix > 0);
    }

    [Fact]
    public void Arrive_MaskedMsixVectorWhileAConfigWriteHoldsTheFunctionLock_LatchedThenDeliveredOnUnmask()
    {
        using var lab = GuestLab.Open(Nic);
        ulong[] bars = lab.Enable();
        BringUpMsix(lab, bars, vectors: 1);
        lab.MmioWrite(bars[3] + 12, 4, 1);

        using (var stuck = new StuckConfigWrite(lab))
        {
            RingAtDevice(lab, 0);
            Assert.True(WaitFor(() => lab.Function.Msix!.IsPending(0)), "the arrival was not latched while the function lock was held");
            Assert.True(stuck.StillInside);
            Assert.Equal(0, lab.Sink.Count);
        }

        lab.MmioWrite(bars[3] + 12, 4, 0);

        Assert.Equal(1, lab.Sink.Count);
        Assert.False(lab.Function.Msix!.IsPending(0));
    }

    [Fact]
    public void Arrive_MsiVectorWhileAConfigWriteHoldsTheFunctionLock_Delivered()
    {
        using var lab = GuestLab.Open(Nic);
        lab.Enable();
        int msi = lab.FindCapability(CapabilityId.Msi);
        lab.Write(msi + 4, 4, Lapic);
        lab.Write(msi + 8, 4, 0);
        lab.Write(msi + 12, 2, 0x51);
        lab.Write(msi + 2, 2, 0x0001);
        Assert.True(lab.Function.Msi!.HostActive);

        using var stuck = new StuckConfigWrite(lab);
        RingAtDevice(lab, 0);

        Assert.True(WaitFor(() => lab.Sink.Count == 1), "the interrupt waited for the function lock");
        Assert.True(stuck.StillInside);
        Assert.Equal(0x51u, lab.Sink.Messages[0].Data);
    }

    [Fact]
    public void Arrive_RacingAnMsixUnmask_EveryRingDeliveredExactlyOnce()
    {
        using var lab = GuestLab.Open(Nic);
        ulong[] bars = lab.Enable();
        BringUpMsix(lab, bars, vectors: 1);
        ulong vectorControl = bars[3] + 12;

        RaceUnmaskAgainstRings(
            lab,
            mask: () => lab.MmioWrite(vectorControl, 4, 1),
            unmask: () => lab.MmioWrite(vectorControl, 4, 0),
            pending: () => lab.Function.Msix!.IsPending(0));
    }

    [Fact]
    public void Arrive_RacingAnMsiUnmask_EveryRingDeliveredExactlyOnce()
    {
        using var lab = GuestLab.Open(Nic);
        lab.Enable();
        int msi = lab.FindCapability(CapabilityId.Msi);
        lab.Write(msi + 4, 4, Lapic);
        lab.Write(msi + 12, 2, 0x51);
        lab.Write(msi + 2, 2, 0x0001);
        int maskRegister = msi + 16;

        RaceUnmaskAgainstRings(
            lab,
            mask: () => lab.Write(maskRegister, 4, 1),
            unmask: () => lab.Write(maskRegister, 4, 0),
            pending: () => lab.Function.Msi!.Pending != 0);
    }

    // Each round: mask, then one ring from another thread against an unmask started after a delay
    // that sweeps across the router's reaction time, so the arrival lands before, during and after
    // the unmask. Rung before: latched, then delivered by the unmask or taken back by the arrival;
    // rung after: delivered at once. Either way exactly one interrupt a round, nothing left pending.
    private static void RaceUnmaskAgainstRings(GuestLab lab, Action mask, Action unmask, Func<bool> pending)
    {
        const int Rounds = 3000;
        long sweep = Math.Max(1, Stopwatch.Frequency / 25_000); // 40 µs
        using var go = new SemaphoreSlim(0);
        using var rung = new SemaphoreSlim(0);
        var ringer = new Thread(() =>
        {
            for (int i = 0; i < Rounds; i++)
            {
                go.Wait();
                RingAtDevice(lab, 0);
                rung.Release();
            }
        })
        { IsBackground = true };
        ringer.Start();

        for (int round = 1; round <= Rounds; round++)
        {
            mask();
            go.Release();
            long until = Stopwatch.GetTimestamp() + (sweep * (round % 100) / 100);
            while (Stopwatch.GetTimestamp() < until)
            {
                Thread.SpinWait(1);
            }

            unmask();
            Assert.True(rung.Wait(Patience, TestContext.Current.CancellationToken));
            lab.Router.Drain();

            Assert.Equal(round, lab.Sink.Count);
            Assert.False(pending());
        }

        ringer.Join();
    }

    // Linux's order: enable with the function masked, program, unmask entries, unmask the function.
    private static int BringUpMsix(GuestLab lab, ulong[] bars, int vectors)
    {
        int msix = lab.FindCapability(CapabilityId.MsiX);
        lab.Write(msix + 2, 2, 0xC000);
        for (int v = 0; v < vectors; v++)
        {
            ulong entry = bars[3] + (ulong)(16 * v);
            lab.MmioWrite(entry, 4, Lapic);
            lab.MmioWrite(entry + 4, 4, 0);
            lab.MmioWrite(entry + 8, 4, (ulong)(0x40 + v));
            lab.MmioWrite(entry + 12, 4, 0);
        }

        lab.Write(msix + 2, 2, 0x8000);
        return msix;
    }

    // The device raises interrupt n by itself (its DOORBELL written on the host side, as its own
    // firmware would), so nothing on the guest's config or MMIO path is involved.
    private static void RingAtDevice(GuestLab lab, int vector)
    {
        Span<byte> value = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(value, (uint)vector);
        Assert.Equal(Passage.Host.Devices.Errno.None, lab.Sim.Write(lab.Control.Bar, lab.Control.Offset + SimControlBlock.Doorbell, value));
    }

    private static bool WaitFor(Func<bool> condition)
    {
        DateTime until = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > until)
            {
                return false;
            }

            Thread.Sleep(1);
        }

        return true;
    }

    // A guest Command write (Bus Master toggled) that stops inside the host device's config write,
    // under the function lock, until disposed.
    private sealed class StuckConfigWrite : IDisposable
    {
        private readonly GuestLab _lab;
        private readonly ManualResetEventSlim _inside = new();
        private readonly ManualResetEventSlim _release = new();
        private readonly Thread _writer;

        public StuckConfigWrite(GuestLab lab)
        {
            _lab = lab;
            lab.Device.OnConfigWrite = offset =>
            {
                if (offset == ConfigOffsets.Command && !_release.IsSet)
                {
                    _inside.Set();
                    _release.Wait();
                }
            };
            ushort command = lab.Command;
            _writer = new Thread(() => lab.Command = (ushort)(command ^ (ushort)PciCommand.BusMaster)) { IsBackground = true };
            _writer.Start();
            Assert.True(_inside.Wait(Patience), "the config write never reached the host device");
        }

        public bool StillInside => _writer.IsAlive && !_release.IsSet;

        public void Dispose()
        {
            _release.Set();
            _writer.Join();
            _lab.Device.OnConfigWrite = null;
            _inside.Dispose();
            _release.Dispose();
        }
    }
}
