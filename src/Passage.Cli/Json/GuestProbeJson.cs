using System.Text.Json.Serialization;

namespace Passage.Cli.Json;

/// <summary><c>passage guest probe --json</c>: what the guest driver model found and did on one function.</summary>
internal sealed class GuestProbeJson
{
    /// <summary>The host function's address; absent for a device imported over vfio-user.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Address { get; set; }

    /// <summary>The vfio-user socket the device was imported over; absent for a host function.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Socket { get; set; }

    public int VendorId { get; set; }

    public int DeviceId { get; set; }

    public int ClassCode { get; set; }

    /// <summary>Where the guest found it, <c>0000:00:dd.0</c>.</summary>
    public string GuestAddress { get; set; } = string.Empty;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Model { get; set; }

    /// <summary>The register rung to raise interrupts; null when none is known (a VFIO device).</summary>
    public DoorbellJson? Doorbell { get; set; }

    /// <summary><c>msix</c> or <c>msi</c>.</summary>
    public string Interrupts { get; set; } = string.Empty;

    /// <summary>MSI-X table entries, or MSI vectors the function can do.</summary>
    public int TableSize { get; set; }

    public List<GuestBarJson> Bars { get; set; } = [];

    public List<GuestVectorJson> Vectors { get; set; } = [];

    /// <summary>Null when nothing was measured (no doorbell, or <c>--rounds 0</c>).</summary>
    public GuestLatencyJson? Latency { get; set; }

    public bool AllDelivered { get; set; }

    public List<string> Steps { get; set; } = [];

    /// <summary>What the virtual function logged while the guest drove it.</summary>
    public List<string> Log { get; set; } = [];
}

internal sealed class DoorbellJson
{
    public int Bar { get; set; }

    public ulong Offset { get; set; }
}

internal sealed class GuestBarJson
{
    public int Index { get; set; }

    public ulong Address { get; set; }

    public ulong Size { get; set; }

    public bool Is64 { get; set; }

    public bool Prefetchable { get; set; }
}

internal sealed class GuestVectorJson
{
    public int Vector { get; set; }

    public int X86Vector { get; set; }

    public int Rung { get; set; }

    public long Received { get; set; }
}

internal sealed class GuestLatencyJson
{
    /// <summary>Round trips asked for: <see cref="Samples"/> + <see cref="Lost"/>.</summary>
    public int Rounds { get; set; }

    public int Samples { get; set; }

    public int Lost { get; set; }

    public double MedianMicroseconds { get; set; }

    public double P99Microseconds { get; set; }

    public double MinMicroseconds { get; set; }

    public double MaxMicroseconds { get; set; }
}
