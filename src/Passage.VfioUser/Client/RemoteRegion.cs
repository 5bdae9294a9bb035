using Passage.Host.Devices;
using Passage.Host.Linux;

namespace Passage.VfioUser.Client;

/// <summary>A region as the server described it, with the fd it sent for a mappable one.</summary>
/// <param name="Info">The region info (mappable only when <paramref name="File"/> is there).</param>
/// <param name="File">The region's file, to map at <see cref="RegionInfo.Offset"/> + area offset; null when not mappable.</param>
internal sealed record RemoteRegion(RegionInfo Info, FileDescriptorHandle? File);
