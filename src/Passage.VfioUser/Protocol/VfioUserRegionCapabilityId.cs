namespace Passage.VfioUser.Protocol;

/// <summary>Capability ids in a region info's chain (vfio-user.md §5). Wire numbers: frozen.</summary>
public enum VfioUserRegionCapabilityId : ushort
{
    /// <summary>Sparse mmap: the areas that may be mapped (version 1).</summary>
    SparseMmap = 1,

    /// <summary>Device-specific region type and subtype (regions 9 and up).</summary>
    Type = 2,
}
