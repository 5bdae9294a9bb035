using System.Runtime.InteropServices;

namespace Passage.Host.Linux.Vfio;

/// <summary><c>vfio_info_cap_header</c> (8 bytes): one link of a capability chain.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct VfioInfoCapHeader
{
    /// <summary>Capability ID.</summary>
    public ushort Id;

    /// <summary>Capability version.</summary>
    public ushort Version;

    /// <summary>Offset of the next capability from the start of the whole buffer; 0 ends the chain.</summary>
    public uint Next;
}
