using System.Globalization;

namespace Passage.Scenarios.Harness;

/// <summary>
/// What the kernel shows of another process's descriptors and mappings under <c>/proc</c>: which
/// eventfds it holds (by the kernel's <c>eventfd-id</c>, the same in every process holding one
/// eventfd, so two processes can be seen to share one) and which memfds it has mapped.
/// </summary>
internal static class ProcessDescriptors
{
    /// <summary>The ids of the eventfds process <paramref name="pid"/> holds open (empty once it is gone).</summary>
    /// <exception cref="InvalidOperationException">The kernel does not show eventfd ids (an older kernel).</exception>
    public static IReadOnlySet<long> EventFdIds(int pid)
    {
        var ids = new HashSet<long>();
        string[] fds;
        try
        {
            fds = Directory.GetFiles($"/proc/{pid}/fd");
        }
        catch (Exception e) when (e is DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            return ids;
        }

        foreach (string fd in fds)
        {
            string? target;
            string[] info;
            try
            {
                target = new FileInfo(fd).LinkTarget;
                if (target != "anon_inode:[eventfd]")
                {
                    continue;
                }

                info = File.ReadAllLines($"/proc/{pid}/fdinfo/{Path.GetFileName(fd)}");
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException)
            {
                // Closed while being looked at.
                continue;
            }

            string line = info.FirstOrDefault(l => l.StartsWith("eventfd-id:", StringComparison.Ordinal))
                ?? throw new InvalidOperationException("this kernel does not show eventfd ids in fdinfo");
            ids.Add(long.Parse(line["eventfd-id:".Length..].Trim(), CultureInfo.InvariantCulture));
        }

        return ids;
    }

    /// <summary>Whether process <paramref name="pid"/> has a memfd called <paramref name="name"/> mapped.</summary>
    public static bool MapsMemFd(int pid, string name)
    {
        try
        {
            return File.ReadLines($"/proc/{pid}/maps").Any(l => l.Contains($"/memfd:{name} ", StringComparison.Ordinal));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
    }
}
