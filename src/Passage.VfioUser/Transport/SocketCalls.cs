using System.Runtime.InteropServices;
using Passage.Host.Linux;

namespace Passage.VfioUser.Transport;

/// <summary>
/// The libc socket calls the vfio-user transport needs (64-bit Linux ABI: x86-64 and arm64 share
/// these numbers and layouts), with errno captured by the marshaller.
/// </summary>
internal static unsafe partial class SocketCalls
{
    public const int AfUnix = 1;
    public const int SockStream = 1;
    public const int SockNonblock = 0x800;
    public const int SockCloexec = 0x80000;

    public const int SolSocket = 1;
    public const int ScmRights = 1;
    public const int SoType = 3;
    public const int SoDomain = 39;

    public const int MsgCtrunc = 0x8;
    public const int MsgDontwait = 0x40;
    public const int MsgNosignal = 0x4000;
    public const int MsgCmsgCloexec = 0x40000000;

    public const int ShutRd = 0;
    public const int ShutWr = 1;
    public const int ShutRdwr = 2;

    public const short PollIn = 0x1;
    public const short PollOut = 0x4;
    public const short PollErr = 0x8;
    public const short PollHup = 0x10;
    public const short PollNval = 0x20;

    public const int FGetfd = 1;
    public const int FSetfd = 2;
    public const int FdCloexec = 1;

    public const int EfdCloexec = 0x80000;
    public const int EfdNonblock = 0x800;

    public const int AtFdcwd = -100;
    public const int AtSymlinkNofollow = 0x100;
    public const uint StatxType = 0x1;
    public const uint StatxMode = 0x2;
    public const uint StatxIno = 0x100;
    public const int SIfmt = 0xF000;
    public const int SIfsock = 0xC000;
    public const int SIfreg = 0x8000;
    public const int SIfdir = 0x4000;
    public const int SIflnk = 0xA000;

    /// <summary><c>sizeof(struct sockaddr_un)</c>: a 2-byte family and a 108-byte path.</summary>
    public const int SockaddrUnSize = 110;

    /// <summary><c>sizeof(struct statx)</c>.</summary>
    public const int StatxSize = 256;

    // Linux errno values (asm-generic, the same on x86-64 and arm64).
    public const int EPerm = 1;
    public const int ENoent = 2;
    public const int EIntr = 4;
    public const int EBadf = 9;
    public const int EAgain = 11;
    public const int ENomem = 12;
    public const int EFault = 14;
    public const int EInval = 22;
    public const int ENfile = 23;
    public const int EMfile = 24;
    public const int EPipe = 32;
    public const int ENonet = 64;
    public const int EProto = 71;
    public const int ENotsock = 88;
    public const int ENoprotoopt = 92;
    public const int EOpnotsupp = 95;
    public const int EAddrinuse = 98;
    public const int ENetdown = 100;
    public const int ENetunreach = 101;
    public const int EConnaborted = 103;
    public const int EConnreset = 104;
    public const int ENobufs = 105;
    public const int ENotconn = 107;
    public const int EConnrefused = 111;
    public const int EHostdown = 112;
    public const int EHostunreach = 113;

    [LibraryImport("libc", SetLastError = true)]
    public static partial FileDescriptorHandle socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int socketpair(int domain, int type, int protocol, int* sv);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int connect(FileDescriptorHandle sockfd, void* addr, uint addrlen);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int bind(FileDescriptorHandle sockfd, void* addr, uint addrlen);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int listen(FileDescriptorHandle sockfd, int backlog);

    [LibraryImport("libc", SetLastError = true)]
    public static partial FileDescriptorHandle accept4(FileDescriptorHandle sockfd, void* addr, uint* addrlen, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint sendmsg(FileDescriptorHandle sockfd, MsgHdr* msg, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint recvmsg(FileDescriptorHandle sockfd, MsgHdr* msg, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int shutdown(FileDescriptorHandle sockfd, int how);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int getsockopt(FileDescriptorHandle sockfd, int level, int optname, void* optval, uint* optlen);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int poll(PollFd* fds, nuint nfds, int timeout);

    // fcntl is variadic; its third argument is integer-class for the commands used here.
    [LibraryImport("libc", SetLastError = true)]
    public static partial int fcntl(FileDescriptorHandle fd, int cmd, int arg);

    [LibraryImport("libc", SetLastError = true)]
    public static partial FileDescriptorHandle eventfd(uint initval, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint read(FileDescriptorHandle fd, void* buf, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint write(FileDescriptorHandle fd, void* buf, nuint count);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int statx(int dirfd, string pathname, int flags, uint mask, void* statxbuf);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int unlink(string pathname);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chmod(string pathname, uint mode);

    /// <summary>The errno of the last call made through this class.</summary>
    public static int LastError() => Marshal.GetLastPInvokeError();

    /// <summary><c>struct msghdr</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLen;
        public IoVec* Iov;
        public nuint IovLen;
        public void* Control;
        public nuint ControlLen;
        public int Flags;
    }

    /// <summary><c>struct iovec</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary><c>struct pollfd</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }
}
