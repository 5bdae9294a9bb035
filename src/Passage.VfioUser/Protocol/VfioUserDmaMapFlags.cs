namespace Passage.VfioUser.Protocol;

/// <summary>DMA_MAP flags (vfio-user.md §4). libvfio-user also knows bits 2 (MMAP) and 3 (FILE_IO), which Passage never sends. Wire numbers: frozen.</summary>
[Flags]
public enum VfioUserDmaMapFlags : uint
{
    /// <summary>No access.</summary>
    None = 0,

    /// <summary>The device may read the window.</summary>
    Read = 1,

    /// <summary>The device may write the window.</summary>
    Write = 2,
}
