namespace Passage.VfioUser.Tests.Transport;

/// <summary>The descriptors this process has open, from <c>/proc/self/fd</c>.</summary>
internal static class OpenDescriptors
{
    /// <summary>How many are open (the directory listing's own descriptor included, the same every time).</summary>
    public static int Count() => Directory.EnumerateFileSystemEntries("/proc/self/fd").Count();

    /// <summary>What a descriptor refers to, for example <c>anon_inode:[eventfd]</c> or <c>socket:[123]</c>.</summary>
    public static string Target(int fd) => new FileInfo($"/proc/self/fd/{fd}").LinkTarget ?? "";

    /// <summary>True when the descriptor is close-on-exec (<c>O_CLOEXEC</c> in fdinfo's octal flags).</summary>
    public static bool IsCloseOnExec(int fd)
    {
        string flags = File.ReadAllLines($"/proc/self/fdinfo/{fd}").Single(l => l.StartsWith("flags:", StringComparison.Ordinal));
        int value = Convert.ToInt32(flags["flags:".Length..].Trim(), 8);
        return (value & 0x80000) != 0;
    }
}
