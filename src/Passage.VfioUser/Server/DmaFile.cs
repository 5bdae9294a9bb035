using System.Runtime.InteropServices;
using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.VfioUser.Transport;

namespace Passage.VfioUser.Server;

/// <summary>
/// The check a DMA window's fd passes before it is mapped: a regular file (a memfd, a hugetlbfs or
/// tmpfs file) that covers the whole window. Touching a shared mapping beyond the end of its file
/// raises SIGBUS, which would kill the server; a client that shrinks the file afterwards can still
/// do that (only a sealed memfd rules it out).
/// </summary>
internal static class DmaFile
{
    private const int AtEmptyPath = 0x1000;
    private const uint StatxSize = 0x200;
    private const int ModeOffset = 28;
    private const int SizeOffset = 40;

    /// <summary>EINVAL unless <paramref name="file"/> is a regular file holding [<paramref name="offset"/>, +<paramref name="size"/>).</summary>
    public static unsafe Errno Check(FileDescriptorHandle file, ulong offset, ulong size)
    {
        bool added = false;
        try
        {
            file.DangerousAddRef(ref added);
            byte* buffer = stackalloc byte[SocketCalls.StatxSize];
            // Sound: statx writes at most sizeof(struct statx) = 256 bytes into the stack buffer during the call.
            int result = SocketCalls.statx(file.Fd, string.Empty, AtEmptyPath, SocketCalls.StatxType | StatxSize, buffer);
            if (result != 0)
            {
                return Errno.EINVAL;
            }

            var bytes = new ReadOnlySpan<byte>(buffer, SocketCalls.StatxSize);
            int type = MemoryMarshal.Read<ushort>(bytes[ModeOffset..]) & SocketCalls.SIfmt;
            ulong length = MemoryMarshal.Read<ulong>(bytes[SizeOffset..]);
            return type == SocketCalls.SIfreg && offset <= length && size <= length - offset ? Errno.None : Errno.EINVAL;
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }
}
