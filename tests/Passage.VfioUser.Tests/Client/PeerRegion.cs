using Passage.Host.Devices;
using Passage.Host.Linux;

namespace Passage.VfioUser.Tests.Client;

/// <summary>
/// One region of a scripted peer's device: its info and the bytes behind it — a plain array, or a
/// memfd (sent with the region info, so the client can map it) in which the region starts at
/// <see cref="RegionInfo.Offset"/>.
/// </summary>
internal sealed class PeerRegion : IDisposable
{
    private readonly byte[]? _bytes;

    public PeerRegion(RegionInfo info, bool fileBacked = false)
    {
        Info = info;
        if (fileBacked)
        {
            File = MemFdMemory.Create((int)(info.Offset + info.Size), $"peer-region-{info.Index}");
        }
        else
        {
            _bytes = new byte[info.Size];
        }

        Span<byte> bytes = Bytes;
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = Pattern(info.Index, i);
        }
    }

    public RegionInfo Info { get; }

    public MemFdMemory? File { get; }

    /// <summary>The region's bytes (in the memfd: from the region's offset).</summary>
    public Span<byte> Bytes => File is null ? _bytes : File.Span.Slice((int)Info.Offset, (int)Info.Size);

    /// <summary>The byte a fresh region holds at <paramref name="offset"/>, so misplaced data shows.</summary>
    public static byte Pattern(int region, int offset) => (byte)((region * 37) + offset + (offset >> 8) + (offset >> 16));

    /// <summary>
    /// The standard device: BAR0 2 MiB of plain memory; BAR1 16 KiB mappable whole (from a memfd);
    /// BAR2 16 KiB mappable in two sparse areas, starting 4 KiB into its memfd; BAR3–5 and ROM
    /// unimplemented; 256 bytes of config space; no VGA.
    /// </summary>
    public static List<PeerRegion> StandardDevice()
    {
        const RegionFlags ReadWrite = RegionFlags.Read | RegionFlags.Write;
        var regions = new List<PeerRegion>
        {
            new(new RegionInfo(0, ReadWrite, 2 * 1024 * 1024, 0, [], false)),
            new(new RegionInfo(1, ReadWrite | RegionFlags.Mmap, 16 * 1024, 0, [], false), fileBacked: true),
            new(new RegionInfo(2, ReadWrite | RegionFlags.Mmap, 16 * 1024, 4096, [new SparseArea(0, 4096), new SparseArea(8192, 8192)], false), fileBacked: true),
        };
        for (int index = 3; index <= VfioRegion.Rom; index++)
        {
            regions.Add(new PeerRegion(new RegionInfo(index, RegionFlags.None, 0, 0, [], false)));
        }

        regions.Add(new PeerRegion(new RegionInfo(VfioRegion.Config, ReadWrite, 256, 0, [], false)));
        regions.Add(new PeerRegion(new RegionInfo(VfioRegion.Vga, RegionFlags.None, 0, 0, [], false)));
        return regions;
    }

    public void Dispose() => File?.Dispose();
}
