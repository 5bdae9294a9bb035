using System.Runtime.InteropServices;

namespace Passage.Host.Linux.Vfio;

/// <summary><c>vfio_device_ioeventfd</c> (32 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct VfioDeviceIoeventfd
{
    /// <summary>Size of the structure.</summary>
    public uint Argsz;

    /// <summary>Access size 1/2/4/8 as bits 0–3, plus DATA_MATCH.</summary>
    public uint Flags;

    /// <summary>Device fd offset.</summary>
    public ulong Offset;

    /// <summary>Data to match.</summary>
    public ulong Data;

    /// <summary>Eventfd, −1 removes.</summary>
    public int Fd;

    /// <summary>Reserved.</summary>
    public uint Reserved;
}
