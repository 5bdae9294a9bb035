namespace Passage.Pci.Capabilities;

/// <summary>The entries of one capability list and the defect that ended it early, if any.</summary>
/// <param name="Entries">Entries in list order.</param>
/// <param name="Problems">Defects found (empty for a well-formed list).</param>
public sealed record CapabilityChain(IReadOnlyList<CapabilityEntry> Entries, IReadOnlyList<ChainProblem> Problems);

/// <summary>
/// Walks the standard (from 0x34) and extended (from 0x100) capability lists. Broken lists —
/// loops, pointers into the header, lists running past the captured bytes, over-long lists —
/// end the walk with a reported problem, never an exception (pci.md §6, §17).
/// </summary>
public static class CapabilityWalker
{
    /// <summary>Most entries a standard list may have before the walk gives up (as Linux's TTL).</summary>
    public const int StandardTtl = 48;

    /// <summary>Most entries an extended list may have: (4096 − 256) / 8.</summary>
    public const int ExtendedTtl = (ConfigOffsets.ExtendedSize - ConfigOffsets.ExtendedCapabilitiesStart) / 8;

    /// <summary>Walks the standard list; empty when Status.CapabilitiesList is clear.</summary>
    public static CapabilityChain WalkStandard(ConfigSpace config)
    {
        var entries = new List<CapabilityEntry>();
        var problems = new List<ChainProblem>();
        if ((config.Status & PciStatus.CapabilitiesList) == 0 || !config.Contains(ConfigOffsets.CapabilitiesPointer, 1))
        {
            return new CapabilityChain(entries, problems);
        }

        Span<bool> seen = stackalloc bool[ConfigOffsets.ConventionalSize];
        int pointer = config.Read8(ConfigOffsets.CapabilitiesPointer) & 0xFC;
        while (pointer != 0)
        {
            if (pointer < ConfigOffsets.HeaderSize)
            {
                problems.Add(new ChainProblem(ChainProblemKind.PointerIntoHeader, false, pointer,
                    $"capability pointer 0x{pointer:x2} points into the header"));
                break;
            }

            if (!config.Contains(pointer, 2))
            {
                problems.Add(new ChainProblem(ChainProblemKind.Truncated, false, pointer,
                    $"capability list continues at 0x{pointer:x2}, beyond the {config.Length} captured bytes"));
                break;
            }

            if (seen[pointer])
            {
                problems.Add(new ChainProblem(ChainProblemKind.Loop, false, pointer,
                    $"capability list loops back to 0x{pointer:x2}"));
                break;
            }

            if (entries.Count == StandardTtl)
            {
                problems.Add(new ChainProblem(ChainProblemKind.TooManyEntries, false, pointer,
                    $"capability list has more than {StandardTtl} entries"));
                break;
            }

            seen[pointer] = true;
            int id = config.Read8(pointer);
            int next = config.Read8(pointer + 1);
            if (id == 0xFF)
            {
                problems.Add(new ChainProblem(ChainProblemKind.AllOnes, false, pointer,
                    $"capability at 0x{pointer:x2} reads all ones"));
                break;
            }

            entries.Add(new CapabilityEntry(pointer, id, 0, next, false));
            pointer = next & 0xFC;
        }

        return new CapabilityChain(entries, problems);
    }

    /// <summary>Walks the extended list; empty without extended space, or when 0x100 reads 0 or all ones.</summary>
    public static CapabilityChain WalkExtended(ConfigSpace config)
    {
        var entries = new List<CapabilityEntry>();
        var problems = new List<ChainProblem>();
        if (!config.HasExtendedSpace)
        {
            return new CapabilityChain(entries, problems);
        }

        Span<bool> seen = stackalloc bool[ConfigOffsets.ExtendedSize / 4];
        int pointer = ConfigOffsets.ExtendedCapabilitiesStart;
        while (true)
        {
            if (!config.Contains(pointer, 4))
            {
                problems.Add(new ChainProblem(ChainProblemKind.Truncated, true, pointer,
                    $"extended capability list continues at 0x{pointer:x3}, beyond the {config.Length} captured bytes"));
                break;
            }

            uint header = config.Read32(pointer);
            if (header == 0 || header == 0xFFFF_FFFF)
            {
                // At 0x100 these mean "no extended capabilities" / "no extended space".
                if (pointer != ConfigOffsets.ExtendedCapabilitiesStart)
                {
                    problems.Add(new ChainProblem(header == 0 ? ChainProblemKind.Truncated : ChainProblemKind.AllOnes, true, pointer,
                        header == 0
                            ? $"extended capability list points to an empty header at 0x{pointer:x3}"
                            : $"extended capability at 0x{pointer:x3} reads all ones"));
                }

                break;
            }

            if (seen[pointer / 4])
            {
                problems.Add(new ChainProblem(ChainProblemKind.Loop, true, pointer,
                    $"extended capability list loops back to 0x{pointer:x3}"));
                break;
            }

            if (entries.Count == ExtendedTtl)
            {
                problems.Add(new ChainProblem(ChainProblemKind.TooManyEntries, true, pointer,
                    $"extended capability list has more than {ExtendedTtl} entries"));
                break;
            }

            seen[pointer / 4] = true;
            int next = (int)(header >> 20) & 0xFFC;
            entries.Add(new CapabilityEntry(pointer, (int)(header & 0xFFFF), (int)((header >> 16) & 0xF), next, true));
            if (next == 0)
            {
                break;
            }

            if (next < ConfigOffsets.ExtendedCapabilitiesStart)
            {
                problems.Add(new ChainProblem(ChainProblemKind.PointerIntoHeader, true, next,
                    $"extended capability at 0x{pointer:x3} points to 0x{next:x3}, below 0x100"));
                break;
            }

            pointer = next;
        }

        return new CapabilityChain(entries, problems);
    }
}
