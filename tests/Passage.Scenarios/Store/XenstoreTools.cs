using System.Diagnostics;

namespace Passage.Scenarios.Store;

/// <summary>
/// Xen's own store clients (Debian package <c>xenstore-utils</c>), installed on first use when the
/// machine lacks them and apt can install them; run with <c>XENSTORED_PATH</c> pointing at a socket.
/// </summary>
internal static class XenstoreTools
{
    private static readonly Lazy<string?> Missing = new(Install);

    /// <summary>Null when the tools are there, else why they are not (the test skips with it).</summary>
    public static string? Unavailable => Missing.Value;

    /// <summary>Runs <paramref name="tool"/> against the store at <paramref name="socket"/>; returns exit code and output.</summary>
    public static (int Code, string Output, string Error) Run(string socket, string tool, params string[] arguments)
    {
        using Process process = Start(socket, tool, arguments);
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill();
            throw new TimeoutException($"{tool} did not finish within 30 s");
        }

        return (process.ExitCode, output, error);
    }

    /// <summary>Starts <paramref name="tool"/> against the store at <paramref name="socket"/> with its output redirected.</summary>
    public static Process Start(string socket, string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.Environment["XENSTORED_PATH"] = socket;
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"cannot start {tool}");
    }

    private static string? Install()
    {
        if (File.Exists("/usr/bin/xenstore-write"))
        {
            return null;
        }

        if (!File.Exists("/usr/bin/apt-get") || Environment.UserName != "root")
        {
            return "xenstore-utils is not installed and apt-get cannot install it here (needs root and apt)";
        }

        foreach (string[] step in new[] { new[] { "update", "-qq" }, new[] { "install", "-y", "-qq", "xenstore-utils" } })
        {
            var start = new ProcessStartInfo("/usr/bin/apt-get") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
            foreach (string argument in step)
            {
                start.ArgumentList.Add(argument);
            }

            using Process apt = Process.Start(start)!;
            string error = apt.StandardError.ReadToEnd();
            apt.StandardOutput.ReadToEnd();
            apt.WaitForExit();
            if (apt.ExitCode != 0)
            {
                return $"apt-get {string.Join(' ', step)} failed ({apt.ExitCode}): {error.Trim()}";
            }
        }

        return File.Exists("/usr/bin/xenstore-write") ? null : "apt-get installed xenstore-utils but /usr/bin/xenstore-write is missing";
    }
}
