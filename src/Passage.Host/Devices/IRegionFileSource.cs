using Passage.Host.Linux;

namespace Passage.Host.Devices;

/// <summary>
/// A host device whose mappable regions are backed by a file that another process can map itself:
/// what vfio-user hands its client with region info (a kernel VFIO device's fd, a simulated BAR's
/// memfd). The file is the region's, not a guarded mapping: the device cannot revoke what the
/// other process maps from it, so that process must map only while it may access the region.
/// </summary>
public interface IRegionFileSource
{
    /// <summary>A new descriptor for the file behind mappable region <paramref name="region"/>, and where the region starts in it.</summary>
    /// <exception cref="HostDeviceException">EINVAL: the region is not mappable.</exception>
    RegionFile OpenRegionFile(int region);
}

/// <summary>The file behind a region: map <see cref="Descriptor"/> at <see cref="Offset"/> + area offset. Disposing closes the descriptor.</summary>
/// <param name="Descriptor">A descriptor owned by the receiver.</param>
/// <param name="Offset">File offset of the region's byte 0.</param>
public sealed record RegionFile(FileDescriptorHandle Descriptor, long Offset) : IDisposable
{
    /// <summary>Closes the descriptor.</summary>
    public void Dispose() => Descriptor.Dispose();
}
