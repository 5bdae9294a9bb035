using Passage.Cli.Json;
using Passage.Vpci.Guest;

namespace Passage.Cli.Guest;

/// <summary>Maps a guest probe report to its JSON form: integers for every count, address and size; latencies in microseconds to the nanosecond.</summary>
internal static class GuestProbeJsonMapper
{
    public static GuestProbeJson Map(GuestProbeReport report)
    {
        GuestProbeResult result = report.Result;
        return new GuestProbeJson
        {
            Address = report.Subject.Address,
            Socket = report.Subject.Socket,
            VendorId = report.Subject.VendorId,
            DeviceId = report.Subject.DeviceId,
            ClassCode = (int)result.Function.ClassCode,
            GuestAddress = report.GuestAddress,
            Model = report.Subject.Model,
            Doorbell = report.Doorbell is { } bell ? new DoorbellJson { Bar = bell.Bar, Offset = bell.Offset } : null,
            Interrupts = result.Mode == GuestInterruptMode.Msix ? "msix" : "msi",
            TableSize = result.TableSize,
            Bars = [.. result.Bars.Select(b => new GuestBarJson { Index = b.Index, Address = b.Address, Size = b.Size, Is64 = b.Is64, Prefetchable = b.Prefetchable })],
            Vectors = [.. result.Vectors.Select(v => new GuestVectorJson { Vector = v.Vector, X86Vector = v.X86Vector, Rung = v.Rung, Received = v.Received })],
            Latency = result.Latency is { } l
                ? new GuestLatencyJson
                {
                    Rounds = l.Samples + l.Lost,
                    Samples = l.Samples,
                    Lost = l.Lost,
                    MedianMicroseconds = Nanoseconds(l.MedianMicroseconds),
                    P99Microseconds = Nanoseconds(l.P99Microseconds),
                    MinMicroseconds = Nanoseconds(l.MinMicroseconds),
                    MaxMicroseconds = Nanoseconds(l.MaxMicroseconds),
                }
                : null,
            AllDelivered = report.Failure is null,
            Steps = [.. result.Steps],
            Log = [.. report.Log],
        };
    }

    // The clock ticks in nanoseconds: more digits would be noise.
    private static double Nanoseconds(double microseconds) => Math.Round(microseconds, 3);
}
