using System.Runtime.InteropServices;

namespace Passage.VfioUser.Transport;

/// <summary>
/// What sits at a path, from <c>statx</c> without following symbolic links: its file type and its
/// identity (device and inode), enough to tell a socket file from anything else and to recognise
/// the socket file a listener created, plus its permission bits.
/// </summary>
internal readonly record struct PathStatus(int FileType, UnixFileMode Permissions, ulong Inode, uint DeviceMajor, uint DeviceMinor)
{
    private const int PermissionBits = 0xFFF;

    // struct statx offsets (the same on every architecture).
    private const int ModeOffset = 28;
    private const int InodeOffset = 32;
    private const int DeviceMajorOffset = 136;
    private const int DeviceMinorOffset = 140;

    /// <summary>True for a socket file.</summary>
    public bool IsSocket => FileType == SocketCalls.SIfsock;

    /// <summary>A word for the file type, for messages.</summary>
    public string Describe() => FileType switch
    {
        SocketCalls.SIfsock => "a socket",
        SocketCalls.SIfreg => "a regular file",
        SocketCalls.SIfdir => "a directory",
        SocketCalls.SIflnk => "a symbolic link",
        _ => "a special file",
    };

    /// <summary>Reads the status of <paramref name="path"/>; false when nothing is there.</summary>
    /// <exception cref="TransportException">statx failed for another reason than ENOENT.</exception>
    public static unsafe bool TryRead(string path, out PathStatus status)
    {
        status = default;
        byte* buffer = stackalloc byte[SocketCalls.StatxSize];
        // Sound: statx writes at most sizeof(struct statx) = 256 bytes into the stack buffer during the call.
        int result = SocketCalls.statx(
            SocketCalls.AtFdcwd, path, SocketCalls.AtSymlinkNofollow, SocketCalls.StatxType | SocketCalls.StatxMode | SocketCalls.StatxIno, buffer);
        if (result != 0)
        {
            int errno = SocketCalls.LastError();
            if (errno == SocketCalls.ENoent)
            {
                return false;
            }

            throw TransportException.FromErrno(errno, $"cannot inspect {path}");
        }

        var bytes = new ReadOnlySpan<byte>(buffer, SocketCalls.StatxSize);
        ushort mode = MemoryMarshal.Read<ushort>(bytes[ModeOffset..]);
        status = new PathStatus(
            mode & SocketCalls.SIfmt,
            (UnixFileMode)(mode & PermissionBits),
            MemoryMarshal.Read<ulong>(bytes[InodeOffset..]),
            MemoryMarshal.Read<uint>(bytes[DeviceMajorOffset..]),
            MemoryMarshal.Read<uint>(bytes[DeviceMinorOffset..]));
        return true;
    }

    /// <summary>Sets the permission bits of <paramref name="path"/> (<c>chmod</c>, which follows symbolic links).</summary>
    /// <exception cref="TransportException">chmod failed.</exception>
    public static void SetPermissions(string path, UnixFileMode permissions)
    {
        if (SocketCalls.chmod(path, (uint)permissions & PermissionBits) != 0)
        {
            throw TransportException.FromErrno(SocketCalls.LastError(), $"cannot set the mode of {path}");
        }
    }

    /// <summary>True when both describe the same file (device and inode).</summary>
    public bool IsSameFile(PathStatus other) =>
        Inode == other.Inode && DeviceMajor == other.DeviceMajor && DeviceMinor == other.DeviceMinor;
}
