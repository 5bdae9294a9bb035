using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Passage.Store.Server;

/// <summary>
/// The socket file the server binds: a stale one left by an earlier run is removed before bind, a
/// live one (a server answers) or any other kind of file is never touched.
/// </summary>
internal static partial class SocketFile
{
    private const int AtFdcwd = -100;
    private const int AtSymlinkNofollow = 0x100;
    private const uint StatxType = 0x1;
    private const int FileTypeMask = 0xF000;
    private const int SocketFileType = 0xC000;
    private const int ENoent = 2;

    /// <summary>Removes a stale socket file at <paramref name="path"/>; nothing there is fine.</summary>
    /// <exception cref="IOException">A server answers there, or the path is not a socket file.</exception>
    public static void RemoveStale(string path)
    {
        if (!TryGetFileType(path, out int type))
        {
            return;
        }

        if (type != SocketFileType)
        {
            throw new IOException($"{path} exists and is not a socket file; not replacing it");
        }

        if (Answers(path))
        {
            throw new IOException($"a server is already listening on {path}");
        }

        File.Delete(path);
    }

    /// <summary>Removes the socket file at <paramref name="path"/> if it is one.</summary>
    public static void RemoveIfSocket(string path)
    {
        if (TryGetFileType(path, out int type) && type == SocketFileType)
        {
            File.Delete(path);
        }
    }

    private static bool Answers(string path)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            // ECONNREFUSED: nobody listens, the file is left over.
            return false;
        }
    }

    private static bool TryGetFileType(string path, out int type)
    {
        var status = default(StatxBuffer);
        if (Statx(AtFdcwd, path, AtSymlinkNofollow, StatxType, ref status) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == ENoent)
            {
                type = 0;
                return false;
            }

            throw new IOException($"cannot inspect {path}: errno {errno}");
        }

        type = status.Mode & FileTypeMask;
        return true;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directory, string path, int flags, uint mask, ref StatxBuffer buffer);

    /// <summary>struct statx (256 bytes, the same layout on every Linux architecture); only the mode is read.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(28)]
        public ushort Mode;
    }
}
