using System.Globalization;
using Passage.Vpci.Guest;
using Passage.Vpci.Machine;

namespace Passage.Cli.Guest;

/// <summary>
/// One run of <c>passage guest probe</c>: the device given to the guest, the guest slot it was given, the
/// doorbell rung (null when none is known), what the guest driver model reported and what the
/// virtual function logged meanwhile.
/// </summary>
internal sealed record GuestProbeReport(GuestProbeSubject Subject, int Slot, DoorbellRegister? Doorbell, GuestProbeResult Result, IReadOnlyList<string> Log)
{
    /// <summary>Where the guest found the function.</summary>
    public string GuestAddress => VirtualMachine.GuestAddress(Slot).ToString();

    /// <summary>
    /// Null when every vector rung got exactly one interrupt and every timed round trip completed;
    /// else one line naming each vector that did not and the timed doorbells that got no interrupt.
    /// </summary>
    public string? Failure
    {
        get
        {
            if (Result.AllDelivered)
            {
                return null;
            }

            var problems = Result.Vectors
                .Where(v => v.Received != v.Rung)
                .Select(v => string.Create(CultureInfo.InvariantCulture, $"vector {v.Vector} (LAPIC 0x{v.X86Vector:x}) received {v.Received} for {v.Rung} doorbell{(v.Rung == 1 ? string.Empty : "s")}"))
                .ToList();
            if (Result.Latency is { Lost: > 0 } latency)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{latency.Lost} of {latency.Samples + latency.Lost} timed doorbells got no interrupt in time"));
            }

            return $"{Subject.Name}: not every interrupt arrived exactly once: {string.Join("; ", problems)}";
        }
    }
}
