namespace Passage.Pci.Capabilities;

/// <summary>Resizable BAR extended capability (ID 0x0015, pci.md §15).</summary>
public sealed class ResizableBarCapability : CapabilityDecoding
{
    /// <summary>Decodes the capability at <paramref name="offset"/>; the entry count comes from the first control register.</summary>
    public static ResizableBarCapability Decode(ConfigSpace config, int offset)
    {
        uint firstControl = config.Read32(offset + 8);
        int count = (int)((firstControl >> 5) & 7);
        count = count is 0 or > 6 ? 1 : count;
        var entries = new List<ResizableBarEntry>(count);
        for (int i = 0; i < count; i++)
        {
            uint cap = config.Read32(offset + 4 + (8 * i));
            uint control = config.Read32(offset + 8 + (8 * i));
            entries.Add(new ResizableBarEntry((int)(control & 7), cap & 0xFFFF_FFF0, (int)((control >> 8) & 0x3F)));
        }

        return new ResizableBarCapability { Offset = offset, Entries = entries };
    }

    /// <summary>One entry per resizable BAR.</summary>
    public IReadOnlyList<ResizableBarEntry> Entries { get; private init; } = [];

    /// <inheritdoc />
    public override int Length => 4 + (8 * Entries.Count);

    /// <inheritdoc />
    public override string Title => "Physical Resizable BAR";

    /// <inheritdoc />
    public override IReadOnlyList<string> Details =>
        Entries.Select(e => $"BAR {e.BarIndex}: current size: {Size(e.CurrentSizeBytes)}, supported: " +
                            string.Join(' ', e.SupportedSizesBytes.Select(Size))).ToList();

    /// <inheritdoc />
    public override IReadOnlyList<DecodedField> Fields
    {
        get
        {
            var f = new FieldList().Add("count", Entries.Count);
            for (int i = 0; i < Entries.Count; i++)
            {
                f.Add($"bar{i}Index", Entries[i].BarIndex)
                    .Add($"bar{i}CurrentSize", (long)Entries[i].CurrentSizeBytes)
                    .Add($"bar{i}SupportedSizes", (long)Entries[i].SupportedMask);
            }

            return f.Fields;
        }
    }

    private static string Size(ulong bytes) => bytes >= 1UL << 30 ? $"{bytes >> 30}GB" : $"{bytes >> 20}MB";
}

/// <summary>One resizable BAR: its index, supported sizes (bit k of 31:4 ⇒ 2^(k+16) bytes) and current size.</summary>
/// <param name="BarIndex">BAR index (control bits 2:0).</param>
/// <param name="SupportedMask">Capability register with bits 3:0 cleared.</param>
/// <param name="CurrentSizeCode">Control bits 13:8: size = 2^(20 + code).</param>
public sealed record ResizableBarEntry(int BarIndex, uint SupportedMask, int CurrentSizeCode)
{
    /// <summary>Current size in bytes.</summary>
    public ulong CurrentSizeBytes => 1UL << (20 + CurrentSizeCode);

    /// <summary>Every supported size in bytes, smallest first.</summary>
    public IEnumerable<ulong> SupportedSizesBytes
    {
        get
        {
            for (int bit = 4; bit < 32; bit++)
            {
                if ((SupportedMask & (1u << bit)) != 0)
                {
                    yield return 1UL << (bit + 16);
                }
            }
        }
    }
}
