using System.Globalization;
using Passage.Vpci.Guest;

namespace Passage.Cli.Guest;

/// <summary>The human form of <c>passage guest probe</c>: the function, the doorbell, the driver's steps, per-vector delivery, the round-trip latency and the outcome.</summary>
internal static class GuestProbeView
{
    private static readonly string[] VectorHeader = ["VECTOR", "LAPIC", "RUNG", "RECEIVED"];

    public static void Write(TextWriter output, GuestProbeReport report)
    {
        GuestProbeResult result = report.Result;
        output.WriteLine($"{report.Subject.Address ?? report.Subject.Socket} ({report.Subject.VendorId:x4}:{report.Subject.DeviceId:x4}) at guest {report.GuestAddress}: {report.Subject.Kind}");
        output.WriteLine(report.Doorbell is { } bell
            ? Invariant($"Doorbell: BAR{bell.Bar} + 0x{bell.Offset:x}")
            : "Doorbell: none known for this device: interrupts are set up and torn down without ringing");

        output.WriteLine("Steps:");
        foreach (string step in result.Steps)
        {
            output.WriteLine($"  {step}");
        }

        string mode = result.Mode == GuestInterruptMode.Msix ? "MSI-X" : "MSI";
        string capacity = result.Mode == GuestInterruptMode.Msix ? $"{result.TableSize} table entries" : $"{result.TableSize} capable";
        if (result.Vectors.Count == 0)
        {
            output.WriteLine(Invariant($"Vectors: {mode}, {capacity}; none rung"));
        }
        else
        {
            output.WriteLine(Invariant($"Vectors: {mode}, {capacity}, {result.Vectors.Count} rung once each"));
            var rows = new List<string[]> { VectorHeader };
            rows.AddRange(result.Vectors.Select(v => new[] { Invariant($"{v.Vector}"), Invariant($"0x{v.X86Vector:x}"), Invariant($"{v.Rung}"), Invariant($"{v.Received}") }));
            TextTable.Write(output, "  ", rows);
        }

        output.WriteLine(result.Latency is { } latency
            ? Invariant($"Latency, doorbell → guest interrupt on vector 0: median {latency.MedianMicroseconds:F1} µs, p99 {latency.P99Microseconds:F1} µs over {latency.Samples} round trips (min {latency.MinMicroseconds:F1} µs, max {latency.MaxMicroseconds:F1} µs, {latency.Lost} lost)")
            : report.Doorbell is null ? "Latency: not measured (no doorbell)" : "Latency: not measured (--rounds 0)");

        if (report.Log.Count > 0)
        {
            output.WriteLine("Log:");
            foreach (string line in report.Log)
            {
                output.WriteLine($"  {line}");
            }
        }

        output.WriteLine(
            report.Failure is not null ? "Result: not every interrupt arrived exactly once"
            : result.Vectors.Count == 0 ? "Result: set up and torn down; no interrupt rung"
            : "Result: every vector delivered exactly once");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
