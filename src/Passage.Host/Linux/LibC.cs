using System.Runtime.InteropServices;
using Passage.Host.Devices;

namespace Passage.Host.Linux;

/// <summary>The libc calls the Linux layer needs (x86-64 Linux ABI), with errno captured by the marshaller.</summary>
internal static unsafe partial class LibC
{
    public const int EfdCloexec = 0x80000;
    public const int EfdNonblock = 0x800;

    public const int ORdonly = 0;
    public const int OWronly = 1;
    public const int ORdwr = 2;
    public const int ONonblock = 0x800;
    public const int OCloexec = 0x80000;

    public const int FGetfl = 3;
    public const int FDupfdCloexec = 1030;

    public const uint MfdCloexec = 1;

    public const int ProtRead = 1;
    public const int ProtWrite = 2;
    public const int MapShared = 1;

    public const short PollIn = 1;

    public const int EpollCloexec = 0x80000;
    public const int EpollCtlAdd = 1;
    public const int EpollCtlDel = 2;
    public const int EpollCtlMod = 3;
    public const uint EpollIn = 1;
    public const uint EpollOneshot = 1u << 30;

    public const int EIntr = 4;
    public const int EAgain = 11;

    /// <summary>What mmap returns on failure.</summary>
    public static readonly nint MapFailed = -1;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial FileDescriptorHandle eventfd(uint initval, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint read(FileDescriptorHandle fd, void* buf, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint write(FileDescriptorHandle fd, void* buf, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint pread(FileDescriptorHandle fd, void* buf, nuint count, long offset);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint pwrite(FileDescriptorHandle fd, void* buf, nuint count, long offset);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int poll(PollFd* fds, nuint nfds, int timeout);

    // glibc's ioctl is variadic, but it takes only integer-class arguments, so a fixed
    // three-argument import passes them in the same registers on x86-64.
    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int ioctl(FileDescriptorHandle fd, nuint request, void* arg);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int ioctl(FileDescriptorHandle fd, nuint request, nint arg);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint mmap(nint addr, nuint length, int prot, int flags, FileDescriptorHandle fd, long offset);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int munmap(nint addr, nuint length);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial FileDescriptorHandle memfd_create(string name, uint flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int ftruncate(FileDescriptorHandle fd, long length);

    // dup leaves the copy inheritable across exec; Passage duplicates through DuplicateCloseOnExec.
    [LibraryImport("libc", SetLastError = true)]
    public static partial FileDescriptorHandle dup(int oldfd);

    // fcntl is variadic too; its third argument is integer-class for every command used here.
    [LibraryImport("libc", SetLastError = true)]
    public static partial int fcntl(int fd, int cmd, int arg);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial FileDescriptorHandle open(string pathname, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial FileDescriptorHandle epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_ctl(FileDescriptorHandle epfd, int op, int fd, void* ev);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_wait(FileDescriptorHandle epfd, void* events, int maxevents, int timeout);

    /// <summary>A close-on-exec duplicate of <paramref name="fd"/> (<c>F_DUPFD_CLOEXEC</c>), or an invalid handle with errno set.</summary>
    public static FileDescriptorHandle DuplicateCloseOnExec(int fd)
    {
        int copy = fcntl(fd, FDupfdCloexec, 0);
        return new FileDescriptorHandle(copy);
    }

    /// <summary>The errno of the last call made through this class, as an <see cref="Errno"/> (unknown numbers are kept).</summary>
    public static Errno LastErrno() => ToErrno(Marshal.GetLastPInvokeError());

    /// <summary>Maps a raw errno; values without a name keep their number.</summary>
    public static Errno ToErrno(int errno) => errno switch
    {
        <= 0 => Errno.EIO,
        _ => (Errno)errno,
    };

    /// <summary>The C library's text for <paramref name="errno"/>, for messages.</summary>
    public static string Describe(Errno errno) => Marshal.GetPInvokeErrorMessage((int)errno);

    /// <summary><c>struct pollfd</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }
}
