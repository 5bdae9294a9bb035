using System.Numerics;
using Passage.Host.Devices;
using Passage.Pci;
using Passage.Vpci.Config;
using Passage.Vpci.Function;
using Passage.Vpci.Machine;

namespace Passage.Vpci.Bars;

/// <summary>
/// The guest's BARs (vpci.md §5): virtual addresses with sizing by the all-ones probe, writes
/// ignored while mapped, 64-bit pairs; and their windows on the machine's MMIO bus while the
/// guest has memory decoding on — mappable areas straight through, the MSI-X pages trapped, the
/// rest forwarded to the host device region by region.
/// </summary>
internal sealed class GuestBars
{
    private const ulong PageSize = 4096;

    private readonly VirtualFunction _function;
    private readonly GuestBar[] _bars = new GuestBar[6];
    private readonly List<ulong> _placed = [];
    private readonly List<MappedBarTarget> _mappings = [];

    /// <summary>Reads the BAR layout of <paramref name="function"/>'s host device: sizes from region info, types from its config space.</summary>
    public GuestBars(VirtualFunction function)
    {
        _function = function;
        ConfigSpace host = function.HostSnapshot;
        for (int i = 0; i < 6; i++)
        {
            if (i > 0 && _bars[i - 1].Is64)
            {
                _bars[i] = new GuestBar(i, 0, false, false, true, null);
                continue;
            }

            uint raw = host.Read32(ConfigOffsets.Bar0 + (4 * i));
            bool io = (raw & BarEncoding.IoSpace) != 0;
            bool is64 = !io && (raw & BarEncoding.MemoryTypeMask) == BarEncoding.MemoryType64;
            RegionInfo? region = Region(function.Device, i);
            ulong size = region?.Size ?? 0;
            // I/O BARs are never offered (vpci.md §5.1), so they are not worth a log line; a
            // malformed memory BAR is.
            string? refusal = io ? null
                : size != 0 && !BitOperations.IsPow2(size) ? $"its size 0x{size:x} is not a power of two"
                : is64 && i == 5 ? "a 64-bit BAR in the last slot"
                : null;
            if (refusal is not null && size != 0)
            {
                function.Log($"BAR{i} is not offered: {refusal}");
            }

            _bars[i] = !io && refusal is null && size != 0
                ? new GuestBar(i, size, is64, (raw & BarEncoding.Prefetchable) != 0, false, region)
                : new GuestBar(i, 0, false, false, false, null);
        }
    }

    /// <summary>Whether the windows are on the bus (guest memory decoding on and mapping succeeded).</summary>
    public bool Decoding { get; private set; }

    /// <summary>BAR <paramref name="index"/> (0–5).</summary>
    public GuestBar this[int index] => _bars[index];

    /// <summary>Windows currently on the bus.</summary>
    public int WindowCount => _placed.Count;

    /// <summary>Registers the six BAR dwords.</summary>
    public void Register()
    {
        for (int i = 0; i < 6; i++)
        {
            GuestBar bar = _bars[i];
            GuestBar? lower = bar.IsUpperHalf ? _bars[i - 1] : null;
            _function.AddRegister(new RegisterDescriptor
            {
                Offset = ConfigOffsets.Bar0 + (4 * i),
                Size = 4,
                Read = (_, _) => ReadBar(bar, lower),
                Write = (_, value, _) => WriteBar(bar, lower, value),
            });
        }
    }

    /// <summary>
    /// Memory decoding on (§5.3: host Command first, then the windows) or off (windows first,
    /// then host Command). Returns false when enabling failed: nothing is mapped, decoding stays
    /// off at the host, and the reason is logged; a layout that cannot be mapped or that overlaps
    /// RAM or another window is refused before the host is touched. The caller holds the machine's
    /// lock exclusively.
    /// </summary>
    public bool SetDecoding(bool on)
    {
        if (!on)
        {
            Unmap();
            _function.Header.WriteHostCommand(memory: false);
            return true;
        }

        if (Decoding)
        {
            return true;
        }

        if ((Plan(out List<Piece> pieces) ?? Collision(pieces)) is { } refusal)
        {
            _function.Log($"memory decoding refused: {refusal}");
            return false;
        }

        _function.Header.WriteHostCommand(memory: true);
        string? failure = Place(pieces);
        if (failure is not null)
        {
            Unmap();
            _function.Header.WriteHostCommand(memory: false);
            _function.Log($"memory decoding refused: {failure}");
            return false;
        }

        Decoding = true;
        return true;
    }

    /// <summary>Removes every window from the bus and drops the mappings (the host Command is left as it is).</summary>
    public void Unmap()
    {
        foreach (ulong start in _placed)
        {
            _function.Mmio.Remove(start);
        }

        _placed.Clear();
        foreach (MappedBarTarget mapping in _mappings)
        {
            mapping.Area.Dispose();
        }

        _mappings.Clear();
        Decoding = false;
    }

    /// <summary>Guest addresses back to 0 (virtual FLR).</summary>
    public void ResetToInitial()
    {
        foreach (GuestBar bar in _bars)
        {
            bar.Address = 0;
        }
    }

    private static RegionInfo? Region(IHostDevice device, int index)
    {
        try
        {
            RegionInfo info = device.GetRegionInfo(index);
            return info.Size != 0 && (info.Flags & RegionFlags.Read) != 0 ? info : null;
        }
        catch (Exception e) when (e is HostDeviceException or ObjectDisposedException)
        {
            return null;
        }
    }

    // §5.2: address bits + type bits; the high half returns bits 63:32.
    private static uint ReadBar(GuestBar bar, GuestBar? lower)
    {
        if (lower is not null)
        {
            return (uint)(lower.Address >> 32);
        }

        return bar.Size == 0 ? 0 : ((uint)bar.Address & BarEncoding.MemoryAddressMask) | bar.TypeBits;
    }

    // Only the guest address changes, then it is masked to the size: writing all ones reads back the size mask.
    private void WriteBar(GuestBar bar, GuestBar? lower, uint value)
    {
        GuestBar target = lower ?? bar;
        if (target.Size == 0)
        {
            return;
        }

        if (Decoding)
        {
            if (value != ReadBar(bar, lower))
            {
                _function.Log($"BAR{bar.Index} write 0x{value:x8} ignored while memory decoding is on");
            }

            return;
        }

        ulong address = lower is not null
            ? ((ulong)value << 32) | (uint)target.Address
            : (target.Address & 0xFFFF_FFFF_0000_0000) | (value & BarEncoding.MemoryAddressMask);
        if (!target.Is64)
        {
            address &= 0xFFFF_FFFF;
        }

        target.Address = address & ~(target.Size - 1);
    }

    // Every memory BAR cut into trapped, mapped and forwarded pieces in guest address space, each
    // lower-index BAR minus the ranges of higher-index ones; null, or why decoding cannot go on.
    private string? Plan(out List<Piece> pieces)
    {
        pieces = [];
        var perBar = new List<Piece>[6];
        foreach (GuestBar bar in _bars)
        {
            if (!bar.IsMemory)
            {
                continue;
            }

            if (bar.Address + bar.Size < bar.Address)
            {
                return $"BAR{bar.Index} at 0x{bar.Address:x} wraps the address space";
            }

            perBar[bar.Index] = Cut(bar);
        }

        for (int i = 0; i < 6; i++)
        {
            if (perBar[i] is not { } list)
            {
                continue;
            }

            for (int j = i + 1; j < 6; j++)
            {
                if (perBar[j] is not null)
                {
                    list = Subtract(list, _bars[j].Address, _bars[j].Address + _bars[j].Size);
                }
            }

            foreach (Piece piece in list)
            {
                // A mapping keeps offsets within a page: guest and host must agree on them.
                if (piece.Kind == PieceKind.Mapped && (piece.GuestStart & (PageSize - 1)) != (piece.BarOffset & (PageSize - 1)))
                {
                    return $"BAR{i} at 0x{_bars[i].Address:x} does not keep the host's offset within a 4 KiB page";
                }
            }

            pieces.AddRange(list);
        }

        return null;
    }

    // One BAR's pieces: trapped pages first, then the host's mappable areas, the rest forwarded.
    private List<Piece> Cut(GuestBar bar)
    {
        RegionInfo region = bar.Region!;
        IReadOnlyList<BarTrap> traps = _function.Msix?.TrapsFor(bar.Index) ?? [];
        var areas = new List<(int Index, ulong Start, ulong End)>();
        if ((region.Flags & RegionFlags.Mmap) != 0)
        {
            if (region.SparseAreas.Count == 0)
            {
                areas.Add((0, 0, bar.Size));
            }

            for (int a = 0; a < region.SparseAreas.Count; a++)
            {
                SparseArea s = region.SparseAreas[a];
                areas.Add((a, s.Offset, Math.Min(s.Offset + s.Size, bar.Size)));
            }
        }

        var cuts = new SortedSet<ulong> { 0, bar.Size };
        foreach (BarTrap t in traps)
        {
            cuts.Add(Math.Min(t.Offset, bar.Size));
            cuts.Add(Math.Min(t.End, bar.Size));
        }

        foreach ((_, ulong start, ulong end) in areas)
        {
            cuts.Add(Math.Min(start, bar.Size));
            cuts.Add(end);
        }

        var pieces = new List<Piece>();
        ulong[] points = [.. cuts];
        for (int p = 0; p + 1 < points.Length; p++)
        {
            ulong at = points[p];
            BarTrap? trap = traps.FirstOrDefault(t => t.Offset <= at && at < t.End);
            int area = areas.FindIndex(a => a.Start <= at && at < a.End);
            Piece piece = trap is not null ? new Piece(bar.Index, PieceKind.Trapped, trap.Target, -1, 0, 0, at)
                : area >= 0 ? new Piece(bar.Index, PieceKind.Mapped, null, areas[area].Index, 0, 0, at)
                : new Piece(bar.Index, PieceKind.Forwarded, null, -1, 0, 0, at);
            piece = piece with { GuestStart = bar.Address + at, GuestEnd = bar.Address + points[p + 1] };
            if (pieces.Count > 0 && pieces[^1] is { } last && last.GuestEnd == piece.GuestStart
                && last.Kind == piece.Kind && last.Area == piece.Area && ReferenceEquals(last.Trap, piece.Trap))
            {
                pieces[^1] = last with { GuestEnd = piece.GuestEnd };
            }
            else
            {
                pieces.Add(piece);
            }
        }

        return pieces;
    }

    private static List<Piece> Subtract(List<Piece> pieces, ulong start, ulong end)
    {
        var kept = new List<Piece>(pieces.Count);
        foreach (Piece p in pieces)
        {
            if (end <= p.GuestStart || p.GuestEnd <= start)
            {
                kept.Add(p);
                continue;
            }

            if (p.GuestStart < start)
            {
                kept.Add(p with { GuestEnd = start });
            }

            if (end < p.GuestEnd)
            {
                kept.Add(p with { GuestStart = end, BarOffset = p.BarOffset + (end - p.GuestStart) });
            }
        }

        return kept;
    }

    // §5.3 step 3, before anything is applied: every piece must fit on the bus beside RAM, other
    // functions' BARs and the machine's windows. Each is claimed with an inert device and released
    // at once; the caller holds the machine's lock exclusively, so no access sees the claims and
    // nothing else can take the ranges before Place. Null, or why decoding cannot go on.
    private string? Collision(List<Piece> pieces)
    {
        var claimed = new List<ulong>(pieces.Count);
        string? clash = null;
        foreach (Piece piece in pieces)
        {
            if (!_function.Mmio.Insert(piece.GuestStart, piece.GuestEnd - piece.GuestStart, InertWindow.Instance))
            {
                clash = $"BAR{piece.Bar} range 0x{piece.GuestStart:x}-0x{piece.GuestEnd - 1:x} overlaps RAM, another function's BAR or a machine window";
                break;
            }

            claimed.Add(piece.GuestStart);
        }

        foreach (ulong start in claimed)
        {
            _function.Mmio.Remove(start);
        }

        return clash;
    }

    // Puts the pieces on the bus; null, or why it failed part-way (the caller unmaps).
    private string? Place(List<Piece> pieces)
    {
        var mapped = new Dictionary<(int Bar, int Area), MappedBarTarget>();
        var forwarded = new Dictionary<int, ForwardedBarTarget>();
        foreach (Piece piece in pieces)
        {
            IBarTarget target;
            switch (piece.Kind)
            {
                case PieceKind.Trapped:
                    target = piece.Trap!;
                    break;
                case PieceKind.Mapped:
                    if (!mapped.TryGetValue((piece.Bar, piece.Area), out MappedBarTarget? mapping))
                    {
                        try
                        {
                            mapping = new MappedBarTarget(_function.Device.Map(piece.Bar, piece.Area));
                        }
                        catch (Exception e) when (e is HostDeviceException or ObjectDisposedException)
                        {
                            return $"BAR{piece.Bar} area {piece.Area} cannot be mapped: {e.Message}";
                        }

                        mapped.Add((piece.Bar, piece.Area), mapping);
                        _mappings.Add(mapping);
                    }

                    target = mapping;
                    break;
                default:
                    if (!forwarded.TryGetValue(piece.Bar, out ForwardedBarTarget? forward))
                    {
                        forward = new ForwardedBarTarget(_function.Device, piece.Bar);
                        forwarded.Add(piece.Bar, forward);
                    }

                    target = forward;
                    break;
            }

            if (!_function.Mmio.Insert(piece.GuestStart, piece.GuestEnd - piece.GuestStart, new BarWindow(target, piece.BarOffset)))
            {
                return $"BAR{piece.Bar} range 0x{piece.GuestStart:x}-0x{piece.GuestEnd - 1:x} overlaps RAM, another function's BAR or a machine window";
            }

            _placed.Add(piece.GuestStart);
        }

        return null;
    }

    // Holds a range for the collision check only; never reached by an access.
    private sealed class InertWindow : IBusDevice
    {
        public static readonly InertWindow Instance = new();

        public void Read(ulong offset, Span<byte> data) => data.Fill(0xFF);

        public void Write(ulong offset, ReadOnlySpan<byte> data)
        {
        }
    }

    private enum PieceKind
    {
        Trapped,
        Mapped,
        Forwarded,
    }

    // A contiguous guest range of one BAR served one way; BarOffset is the BAR offset of GuestStart.
    private readonly record struct Piece(int Bar, PieceKind Kind, IBarTarget? Trap, int Area, ulong GuestStart, ulong GuestEnd, ulong BarOffset);
}
