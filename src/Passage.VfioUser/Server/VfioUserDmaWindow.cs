using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Server;

/// <summary>One DMA window a client mapped, as the server holds it.</summary>
/// <param name="Address">Start in the client's DMA space.</param>
/// <param name="Size">Length in bytes.</param>
/// <param name="Flags">What the device may do: read and/or write.</param>
/// <param name="IsMapped">The client gave an fd and the server mapped it; otherwise accesses go as DMA_READ / DMA_WRITE messages.</param>
/// <param name="FileOffset">Where the window starts in the fd (0 without one).</param>
public sealed record VfioUserDmaWindow(ulong Address, ulong Size, VfioUserDmaMapFlags Flags, bool IsMapped, ulong FileOffset);
