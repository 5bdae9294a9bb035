using System.Runtime.InteropServices;

namespace Passage.Host.Linux;

/// <summary>Owns one mmap'd range and unmaps it on release.</summary>
internal sealed class MappingHandle : SafeHandle
{
    private readonly nuint _length;

    /// <summary>Takes ownership of the mapping at <paramref name="address"/>.</summary>
    public MappingHandle(nint address, nuint length)
        : base(invalidHandleValue: LibC.MapFailed, ownsHandle: true)
    {
        _length = length;
        SetHandle(address);
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == LibC.MapFailed || handle == 0;

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => LibC.munmap(handle, _length) == 0;
}
