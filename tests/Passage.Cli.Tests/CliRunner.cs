namespace Passage.Cli.Tests;

/// <summary>Runs the CLI in-process with captured output.</summary>
internal static class CliRunner
{
    public static string Lab => Path.Combine(AppContext.BaseDirectory, "hosts", "lab.json");

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static (int Code, string Out, string Err) Run(params string[] args) => RunWithSysfs("/sys", args);

    public static (int Code, string Out, string Err) RunWithSysfs(string sysfsRoot, params string[] args) => RunWithRoots(sysfsRoot, "/dev/vfio", args);

    /// <summary>Runs with <paramref name="input"/> as standard input; <paramref name="shutdown"/> stops servers as Ctrl-C does.</summary>
    public static (int Code, string Out, string Err) RunWithInput(string input, CancellationToken shutdown, params string[] args)
    {
        using var reader = new StringReader(input);
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliApp.Run(args, output, error, "/sys", "/dev/vfio", reader, shutdown);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Runs writing to the given writers (a test may watch <paramref name="error"/> while a server runs); <paramref name="shutdown"/> stops servers as Ctrl-C does.</summary>
    public static int RunWithWriters(TextWriter output, TextWriter error, CancellationToken shutdown, params string[] args)
    {
        using var reader = new StringReader(string.Empty);
        return CliApp.Run(args, output, error, "/sys", "/dev/vfio", reader, shutdown);
    }

    /// <summary>Runs with the given sysfs root and VFIO device-node directory.</summary>
    public static (int Code, string Out, string Err) RunWithRoots(string sysfsRoot, string devRoot, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliApp.Run(args, output, error, sysfsRoot, devRoot);
        return (code, output.ToString(), error.ToString());
    }
}
