using System.CommandLine;
using System.Net.Sockets;
using Passage.Cli.Pci;
using Passage.Host.Devices;
using Passage.Host.Inventory;
using Passage.Vpci.Function;
using Passage.Vpci.Machine;
using Passage.Vpci.Qtest;

namespace Passage.Cli.Vm;

/// <summary><c>passage vm run</c>: a virtual machine with host functions attached, driven by the qtest-style protocol from a script, standard input or a Unix socket.</summary>
internal static class VmCommands
{
    public static Command Build(CliContext context)
    {
        var host = new Option<string?>("--host") { Description = HostSelection.Help, HelpName = "sysfs|sim:FILE" };
        var devices = new Option<string[]>("--device")
        {
            Description = "Host function to give the guest, SSSS:BB:DD.F or BB:DD.F; repeat for more. They take guest slots 00:01.0, 00:02.0, … in the order given.",
            HelpName = "ADDRESS",
            Required = true,
        };
        var script = new Option<string?>("--script") { Description = "Run the protocol commands in FILE, one a line. Without --script and --socket, commands are read from standard input.", HelpName = "FILE" };
        var socket = new Option<string?>("--socket") { Description = "Serve the protocol on the Unix socket PATH (after the script, if any) until Ctrl-C or SIGTERM.", HelpName = "PATH" };

        var run = new Command(
            "run",
            "Build a virtual machine (64 MiB RAM, ECAM at 0xe0000000, CF8/CFC, LAPIC), attach the given host functions and run qtest-style commands against it: readb|readw|readl|readq ADDR, writeb|writew|writel|writeq ADDR VALUE, read ADDR SIZE, write ADDR SIZE 0xBYTES, inb|inw|inl PORT, outb|outw|outl PORT VALUE, clock_step NS. Each answers OK, OK 0xVALUE (lower-case hex) or ERR REASON; interrupts reaching the LAPIC print MSI 0xADDRESS 0xDATA.")
        {
            host, devices, script, socket,
        };
        run.SetAction(r => context.Run(r, output => Run(context, r.GetValue(devices) ?? [], r.GetValue(host), r.GetValue(script), r.GetValue(socket), output)));

        return new Command("vm", "Run virtual machines with host functions attached.") { run };
    }

    private static int Run(CliContext context, string[] deviceTexts, string? hostOption, string? scriptPath, string? socketPath, TextWriter output)
    {
        using GuestDevices devices = GuestDevices.Open(context, hostOption, deviceTexts);
        using TextReader? script = scriptPath is null ? null : OpenScript(scriptPath);

        // Function logs come from whichever thread touched the function.
        TextWriter log = TextWriter.Synchronized(context.Error);
        var functionOptions = new VirtualFunctionOptions { Log = line => log.WriteLine($"passage: {line}") };

        // The machine goes first (it releases its virtual functions); the host devices are closed after it.
        using var machine = new VirtualMachine(new VirtualMachineOptions { Clock = devices.SimHost?.Clock });
        foreach ((HostFunction function, IHostDevice device) in devices.Devices)
        {
            int slot = GuestDevices.Attach(machine, device, functionOptions, function.Address);
            log.WriteLine(GuestDevices.AttachedLine(function, slot));
        }

        if (script is not null || socketPath is null)
        {
            RunCommands(machine, script ?? context.Input, scriptPath ?? "standard input", output);
        }

        if (socketPath is not null)
        {
            Serve(machine, socketPath, log, context.Shutdown);
        }

        return 0;
    }

    private static StreamReader OpenScript(string path)
    {
        try
        {
            return File.OpenText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read script {path}: {e.Message}");
        }
    }

    private static void RunCommands(VirtualMachine machine, TextReader input, string name, TextWriter output)
    {
        using var session = new QtestSession(machine, output);
        try
        {
            session.Run(input);
        }
        catch (IOException e)
        {
            throw new CliException($"cannot read {name}: {e.Message}");
        }
    }

    private static void Serve(VirtualMachine machine, string socketPath, TextWriter log, CancellationToken shutdown)
    {
        using var stop = new StopSignal(shutdown);
        using var server = new QtestServer(machine, socketPath, line => log.WriteLine($"passage: {line}"));
        try
        {
            server.Start();
        }
        catch (Exception e) when (e is IOException or SocketException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot serve on {socketPath}: {e.Message}");
        }

        log.WriteLine($"passage: serving the qtest protocol on {socketPath}; Ctrl-C stops");
        server.RunAsync(stop.Token).GetAwaiter().GetResult();
    }
}
