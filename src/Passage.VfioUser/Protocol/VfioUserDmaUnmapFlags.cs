namespace Passage.VfioUser.Protocol;

/// <summary>DMA_UNMAP flags (vfio-user.md §4). Wire numbers: frozen.</summary>
[Flags]
public enum VfioUserDmaUnmapFlags : uint
{
    /// <summary>Unmap the one window given.</summary>
    None = 0,

    /// <summary>Return the window's dirty bitmap (the old migration scheme; Passage never asks).</summary>
    GetDirtyBitmap = 1,

    /// <summary>Unmap every window; address and size are 0.</summary>
    All = 2,
}
