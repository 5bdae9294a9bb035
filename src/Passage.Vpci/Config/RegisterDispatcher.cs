using Passage.Host.Devices;

namespace Passage.Vpci.Config;

/// <summary>
/// The config-space register dispatcher of one virtual function (vpci.md §2): a sorted,
/// non-overlapping list of register descriptors; accesses validated, split over registers and
/// gaps (a 3-byte gap as 1 + 2 at an odd offset, else 2 + 1), reads merged from whole registers,
/// writes merged with read-only, RW1C and reserved masks before the hook sees a whole value.
/// Bad accesses read all ones or are dropped; nothing throws on the access path.
/// </summary>
public sealed class RegisterDispatcher
{
    /// <summary>Size of a function's config space.</summary>
    public const int ConfigSize = 4096;

    private readonly Lock _lock = new();
    private readonly IHostDevice? _host;
    private RegisterDescriptor[] _registers = [];

    /// <summary>Creates an empty dispatcher.</summary>
    /// <param name="mode">What gaps do.</param>
    /// <param name="host">The device whose config region (7) gaps reach in trusted mode; null = none.</param>
    public RegisterDispatcher(DispatcherMode mode, IHostDevice? host = null)
    {
        Mode = mode;
        _host = host;
    }

    /// <summary>Guest or trusted.</summary>
    public DispatcherMode Mode { get; }

    /// <summary>The function lock (vpci.md §9): held around every hook; emulated state shares it.</summary>
    internal Lock Lock => _lock;

    /// <summary>The registers, sorted by offset.</summary>
    public IReadOnlyList<RegisterDescriptor> Registers => _registers;

    /// <summary>Adds a register (§2.2 rules).</summary>
    public DispatcherResult Add(RegisterDescriptor register)
    {
        if (!IsValid(register))
        {
            return DispatcherResult.InvalidArgument;
        }

        lock (_lock)
        {
            int at = 0;
            while (at < _registers.Length && _registers[at].Offset < register.Offset)
            {
                at++;
            }

            bool overlapsBefore = at > 0 && _registers[at - 1].End > register.Offset;
            bool overlapsAfter = at < _registers.Length && _registers[at].Offset < register.End;
            if (overlapsBefore || overlapsAfter)
            {
                return DispatcherResult.AlreadyExists;
            }

            // Copy-on-write: a reader walks the array it loaded; adds and removes are rare.
            _registers = [.. _registers[..at], register, .. _registers[at..]];
            return DispatcherResult.Ok;
        }
    }

    /// <summary>
    /// Removes every register inside [<paramref name="start"/>, <paramref name="start"/> + <paramref name="size"/>);
    /// a register cut in part fails with <see cref="DispatcherResult.RangeError"/> (whole ones before it stay removed).
    /// </summary>
    public DispatcherResult Remove(int start, int size)
    {
        int end = start + size;
        lock (_lock)
        {
            var kept = new List<RegisterDescriptor>(_registers.Length);
            DispatcherResult result = DispatcherResult.Ok;
            foreach (RegisterDescriptor r in _registers)
            {
                bool inside = r.Offset >= start && r.End <= end;
                bool partial = !inside && r.Offset < end && start < r.End;
                if (partial && result == DispatcherResult.Ok)
                {
                    result = DispatcherResult.RangeError;
                }

                if (!inside || result != DispatcherResult.Ok)
                {
                    kept.Add(r);
                }
            }

            _registers = [.. kept];
            return result;
        }
    }

    /// <summary>The register at exactly (<paramref name="offset"/>, <paramref name="size"/>), or null.</summary>
    public RegisterDescriptor? Find(int offset, int size) =>
        Array.Find(_registers, r => r.Offset == offset && r.Size == size);

    /// <summary>Reads <paramref name="size"/> bytes at <paramref name="reg"/>; all ones when the access is invalid.</summary>
    public uint Read(int reg, int size)
    {
        if (!IsValidAccess(reg, size))
        {
            return uint.MaxValue;
        }

        ulong value = ulong.MaxValue;
        var walk = new Walk(_registers, reg, reg + size);
        lock (_lock)
        {
            while (walk.Next(out int from, out int to, out RegisterDescriptor? r))
            {
                uint part;
                if (r is null)
                {
                    part = GapRead(from, to - from);
                }
                else
                {
                    uint whole = r.Read is { } read ? read(r.Offset, r.Context) : uint.MaxValue;
                    part = (whole & ~(r.ReservedPreserve | r.ReservedZero)) >> (8 * (from - r.Offset));
                }

                value = Merge(value, part, from - reg, to - from);
            }
        }

        if (walk.Position < walk.End)
        {
            value = Merge(value, GapRead(walk.Position, walk.End - walk.Position), walk.Position - reg, walk.End - walk.Position);
        }

        return size == 4 ? (uint)value : (uint)(value & ((1UL << (8 * size)) - 1));
    }

    /// <summary>Writes <paramref name="size"/> bytes at <paramref name="reg"/>; dropped when the access is invalid.</summary>
    public void Write(int reg, int size, uint value)
    {
        if (!IsValidAccess(reg, size))
        {
            return;
        }

        var walk = new Walk(_registers, reg, reg + size);
        lock (_lock)
        {
            while (walk.Next(out int from, out int to, out RegisterDescriptor? r))
            {
                uint part = value >> (8 * (from - reg));
                if (r is null)
                {
                    GapWrite(from, to - from, part);
                }
                else
                {
                    WriteRegister(r, from, to - from, part);
                }
            }
        }

        if (walk.Position < walk.End)
        {
            GapWrite(walk.Position, walk.End - walk.Position, value >> (8 * (walk.Position - reg)));
        }
    }

    /// <summary>Whether an access is one the dispatcher serves: 1, 2 or 4 bytes, naturally aligned, inside 4 KiB.</summary>
    public static bool IsValidAccess(int reg, int size) =>
        size is 1 or 2 or 4 && reg >= 0 && reg % size == 0 && reg + size <= ConfigSize;

    private static bool IsValid(RegisterDescriptor r)
    {
        if (r.Size is not (1 or 2 or 4) || r.Offset < 0 || r.Offset >= ConfigSize || r.Offset % r.Size != 0)
        {
            return false;
        }

        if (r.Read is null && r.Write is null)
        {
            return false;
        }

        uint[] masks = [r.ReadOnly, r.WriteOneToClear, r.ReservedPreserve, r.ReservedZero];
        uint seen = 0;
        foreach (uint mask in masks)
        {
            if ((seen & mask) != 0)
            {
                return false;
            }

            seen |= mask;
        }

        return r.Size == 4 || (seen >> (8 * r.Size)) == 0;
    }

    // §2.4 write-merge: RO and RsvdP keep their value, RsvdZ goes in as 0, RW1C bits the write does
    // not cover go in as 0 ("don't clear"). The kept value is the register's stored one when it has
    // a Stored hook, else what it reads.
    private static void WriteRegister(RegisterDescriptor r, int from, int length, uint data)
    {
        if (r.Write is not { } write)
        {
            return;
        }

        uint preserved = r.ReadOnly | r.ReservedPreserve;
        int shift = 8 * (from - r.Offset);
        uint lanes = length == 4 ? uint.MaxValue : ((1u << (8 * length)) - 1) << shift;
        uint value = (data << shift) & lanes;
        uint current = 0;
        if (length != r.Size || preserved != 0)
        {
            current = (r.Stored ?? r.Read) is { } read ? read(r.Offset, r.Context) : uint.MaxValue;
            value |= current & ~r.WriteOneToClear & ~lanes;
        }

        value = (value & ~(preserved | r.ReservedZero)) | (current & preserved);
        write(r.Offset, value, r.Context);
    }

    private static ulong Merge(ulong accumulator, uint part, int byteOffset, int length)
    {
        ulong lanes = ((1UL << (8 * length)) - 1) << (8 * byteOffset);
        return (accumulator & ~lanes) | (((ulong)part << (8 * byteOffset)) & lanes);
    }

    // A gap is read or written in naturally sized pieces: a 3-byte gap as 1 + 2 at an odd offset, else 2 + 1.
    private static int FirstPiece(int offset, int length) => length != 3 ? length : (offset & 1) != 0 ? 1 : 2;

    private uint GapRead(int offset, int length)
    {
        int first = FirstPiece(offset, length);
        uint value = GapPiece(offset, first);
        return first == length ? value : value | (GapPiece(offset + first, length - first) << (8 * first));
    }

    private uint GapPiece(int offset, int length)
    {
        if (Mode == DispatcherMode.Guest || _host is null)
        {
            return uint.MaxValue;
        }

        Span<byte> bytes = stackalloc byte[4];
        if (_host.Read(Host.Devices.VfioRegion.Config, (ulong)offset, bytes[..length]) != Errno.None)
        {
            return uint.MaxValue;
        }

        return bytes[0] | ((uint)bytes[1] << 8) | ((uint)bytes[2] << 16) | ((uint)bytes[3] << 24);
    }

    private void GapWrite(int offset, int length, uint data)
    {
        if (Mode == DispatcherMode.Guest || _host is null)
        {
            return;
        }

        int first = FirstPiece(offset, length);
        GapWritePiece(offset, first, data);
        if (first != length)
        {
            GapWritePiece(offset + first, length - first, data >> (8 * first));
        }
    }

    private void GapWritePiece(int offset, int length, uint data)
    {
        Span<byte> bytes = stackalloc byte[4];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)(data >> (8 * i));
        }

        _host!.Write(Host.Devices.VfioRegion.Config, (ulong)offset, bytes[..length]);
    }

    // The pieces of one access in address order: whole-or-partial registers and the gaps between
    // them. Next stops before a trailing gap, which callers handle after releasing the lock (§9).
    // A struct over the array loaded at the start, so the access path does not allocate.
    private struct Walk(RegisterDescriptor[] registers, int start, int end)
    {
        // The first register not entirely below the window, by binary search (the list is sorted
        // and non-overlapping, so End grows with Offset).
        private int _index = FirstEndingAfter(registers, start);
        private int _advanced;

        private static int FirstEndingAfter(RegisterDescriptor[] registers, int start)
        {
            int lo = 0;
            int hi = registers.Length;
            while (lo < hi)
            {
                int mid = (lo + hi) >>> 1;
                if (registers[mid].End <= start)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }

            return lo;
        }

        public readonly int Position => start + _advanced;

        public readonly int End => end;

        public bool Next(out int from, out int to, out RegisterDescriptor? register)
        {
            while (_index < registers.Length && registers[_index].End <= start)
            {
                _index++;
            }

            register = null;
            from = to = Position;
            if (_index >= registers.Length || registers[_index].Offset >= end)
            {
                return false;
            }

            RegisterDescriptor r = registers[_index];
            if (r.Offset > Position)
            {
                to = r.Offset;
            }
            else
            {
                register = r;
                from = Math.Max(r.Offset, start);
                to = Math.Min(r.End, end);
                _index++;
            }

            _advanced = to - start;
            return true;
        }
    }
}
