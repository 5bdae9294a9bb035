using System.Runtime.InteropServices;

namespace Passage.VfioUser.Transport;

/// <summary>
/// The layout of an <c>SCM_RIGHTS</c> control message: <c>struct cmsghdr</c> (<c>size_t cmsg_len</c>,
/// <c>int cmsg_level</c>, <c>int cmsg_type</c>) padded to <c>size_t</c> alignment, then the fds as ints.
/// </summary>
internal static class ScmRights
{
    /// <summary><c>CMSG_ALIGN</c> granularity: <c>sizeof(size_t)</c>.</summary>
    private static readonly int Alignment = IntPtr.Size;

    /// <summary><c>CMSG_LEN(0)</c>: the aligned header.</summary>
    public static readonly int HeaderSize = Align(IntPtr.Size + (2 * sizeof(int)));

    /// <summary><c>CMSG_SPACE(count * sizeof(int))</c>: the control buffer one message of <paramref name="count"/> fds needs.</summary>
    public static int SpaceFor(int count) => HeaderSize + Align(count * sizeof(int));

    /// <summary>Writes one <c>SCM_RIGHTS</c> message for <paramref name="fds"/>; returns the bytes to pass as <c>msg_controllen</c>.</summary>
    public static int Write(Span<byte> control, ReadOnlySpan<int> fds)
    {
        int space = SpaceFor(fds.Length);
        if (control.Length < space)
        {
            throw new ArgumentException($"a control buffer for {fds.Length} fds needs {space} bytes", nameof(control));
        }

        control[..space].Clear();
        // Host byte order throughout: the kernel reads these as native integers.
        nuint length = (nuint)(HeaderSize + (fds.Length * sizeof(int)));
        MemoryMarshal.Write(control, in length);
        MemoryMarshal.Write(control[IntPtr.Size..], SocketCalls.SolSocket);
        MemoryMarshal.Write(control[(IntPtr.Size + sizeof(int))..], SocketCalls.ScmRights);
        MemoryMarshal.AsBytes(fds).CopyTo(control[HeaderSize..]);
        return space;
    }

    /// <summary>
    /// Collects the fds of every <c>SCM_RIGHTS</c> message in the first <paramref name="control"/> bytes
    /// the kernel filled in; other control messages are skipped.
    /// </summary>
    /// <returns>The number of fds written to <paramref name="destination"/>.</returns>
    public static int Read(ReadOnlySpan<byte> control, Span<int> destination)
    {
        int count = 0;
        int offset = 0;
        while (offset + HeaderSize <= control.Length)
        {
            ulong length = MemoryMarshal.Read<nuint>(control[offset..]);
            if (length < (ulong)HeaderSize || length > (ulong)(control.Length - offset))
            {
                // The kernel never writes this; stop instead of reading past what it filled in.
                break;
            }

            int level = MemoryMarshal.Read<int>(control[(offset + IntPtr.Size)..]);
            int type = MemoryMarshal.Read<int>(control[(offset + IntPtr.Size + sizeof(int))..]);
            if (level == SocketCalls.SolSocket && type == SocketCalls.ScmRights)
            {
                int fds = ((int)length - HeaderSize) / sizeof(int);
                ReadOnlySpan<int> numbers = MemoryMarshal.Cast<byte, int>(control.Slice(offset + HeaderSize, fds * sizeof(int)));
                int take = Math.Min(fds, destination.Length - count);
                numbers[..take].CopyTo(destination[count..]);
                count += take;
            }

            offset += Align((int)length);
        }

        return count;
    }

    private static int Align(int length) => (length + Alignment - 1) & ~(Alignment - 1);
}
