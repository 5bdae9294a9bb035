using Passage.Host.Devices;

namespace Passage.Host.Linux.Vfio;

/// <summary>What a region's capability chain says.</summary>
/// <param name="SparseAreas">The sparse mmap areas, or null when the region has no sparse mmap capability.</param>
/// <param name="MsixMappable">The MSI-X table may be mapped (<c>MSIX_MAPPABLE</c>).</param>
/// <param name="Type">Device-specific region type and subtype, if any.</param>
public sealed record VfioRegionCapabilities(IReadOnlyList<SparseArea>? SparseAreas, bool MsixMappable, (uint Type, uint Subtype)? Type)
{
    /// <summary>A region without capabilities.</summary>
    public static VfioRegionCapabilities None { get; } = new(null, false, null);
}
