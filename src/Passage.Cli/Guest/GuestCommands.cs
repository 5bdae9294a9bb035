using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Passage.Cli.Json;
using Passage.Cli.Pci;
using Passage.Cli.VfioUser;
using Passage.Cli.Vm;
using Passage.Host.Devices;
using Passage.Host.Inventory;
using Passage.Host.Linux;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.VfioUser.Client;
using Passage.Vpci.Function;
using Passage.Vpci.Guest;
using Passage.Vpci.Machine;

namespace Passage.Cli.Guest;

/// <summary><c>passage guest probe</c>: a guest's driver, modelled, brings up one host function in a virtual machine, rings each of its interrupt vectors and times the doorbell → interrupt round trip.</summary>
internal static class GuestCommands
{
    /// <summary>Round trips timed when <c>--rounds</c> is not given.</summary>
    public const int DefaultRounds = 1000;

    /// <summary>Most round trips one probe times (a million take tens of seconds).</summary>
    public const int MaxRounds = 1_000_000;

    public static Command Build(CliContext context)
    {
        var host = new Option<string?>("--host") { Description = HostSelection.Help, HelpName = "sysfs|sim:FILE" };
        var device = new Option<string?>("--device")
        {
            Description = "Host function to give the guest, SSSS:BB:DD.F or BB:DD.F; the guest finds it at 0000:00:01.0.",
            HelpName = "ADDRESS",
        };
        var socket = new Option<string?>("--socket")
        {
            Description = "Instead of a host function, import the device served on this vfio-user socket (guest RAM is mapped to the server for DMA).",
            HelpName = "PATH",
        };
        var doorbell = new Option<string?>("--doorbell")
        {
            Description = "The register that makes the device raise interrupt n when n is written, as BAR:OFFSET (e.g. 0:0x1f000). Known by itself for a simulated function; 'vfio-user serve' prints it for the function it serves.",
            HelpName = "BAR:OFFSET",
        };
        var rounds = new Option<int>("--rounds")
        {
            Description = $"Doorbell → guest interrupt round trips timed on vector 0 (0 to {MaxRounds}; 0 times none).",
            HelpName = "N",
            DefaultValueFactory = _ => DefaultRounds,
        };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text." };

        var probe = new Command(
            "probe",
            "Build a virtual machine, attach the function and play a guest's driver against it: enumerate, size and place its BARs, enable memory decoding and bus mastering, set up MSI-X (else MSI), ring the device's doorbell once per vector and count the interrupts the guest's LAPIC receives, time the doorbell → interrupt round trip (median, p99), then tear everything down. Simulated functions ring their model's DOORBELL register; a VFIO function has no known doorbell, so it is set up and torn down without ringing. Exits 1 when a vector's interrupt is lost or the function has neither MSI nor MSI-X.")
        {
            host, device, socket, doorbell, rounds, json,
        };
        probe.SetAction(r => context.Run(r, output =>
        {
            string? deviceText = r.GetValue(device);
            string? socketPath = r.GetValue(socket);
            if ((deviceText is null) == (socketPath is null))
            {
                throw new UsageException("give either --device ADDRESS (a host function) or --socket PATH (a vfio-user server), not both or neither");
            }

            if (socketPath is not null && r.GetValue(host) is not null)
            {
                throw new UsageException("--host names where --device is found; it does not go with --socket");
            }

            CheckRounds(r.GetValue(rounds));
            DoorbellRegister? bell = r.GetValue(doorbell) is { } text ? ParseDoorbell(text) : null;
            return socketPath is not null
                ? ProbeSocket(context, socketPath, bell, r.GetValue(rounds), r.GetValue(json), output)
                : Probe(context, deviceText!, r.GetValue(host), bell, r.GetValue(rounds), r.GetValue(json), output);
        }));

        return new Command("guest", "Play a guest's driver against host functions in a virtual machine.") { probe };
    }

    /// <summary>Parses <c>BAR:OFFSET</c> (offset in hex with 0x, or decimal).</summary>
    /// <exception cref="UsageException">Not that form, a BAR beyond 5, or an offset that is not a number.</exception>
    public static DoorbellRegister ParseDoorbell(string text)
    {
        string[] parts = text.Split(':');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int bar) && bar is >= 0 and <= 5 && TryParseNumber(parts[1], out ulong offset))
        {
            return new DoorbellRegister(bar, offset);
        }

        throw new UsageException($"--doorbell '{text}' is not BAR:OFFSET (a BAR 0 to 5 and an offset, e.g. 0:0x1f000)");
    }

    private static bool TryParseNumber(string text, out ulong value) =>
        text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static void CheckRounds(int rounds)
    {
        if (rounds is < 0 or > MaxRounds)
        {
            throw new UsageException($"--rounds {rounds} is out of range: 0 to {MaxRounds}");
        }
    }

    // The device served on a vfio-user socket, given to a guest whose RAM the server may DMA into.
    private static int ProbeSocket(CliContext context, string socket, DoorbellRegister? doorbell, int rounds, bool json, TextWriter output)
    {
        using VfioUserClient client = VfioUserCommands.Connect(socket);
        var log = new List<string>();
        GuestProbeReport report;
        using (var machine = new VirtualMachine())
        {
            using (FileDescriptorHandle ram = machine.Ram.OpenDescriptor())
            {
                client.MapDma(0, ram, 0, machine.Ram.Length);
            }

            int slot = machine.AttachHost(client, options: LoggingOptions(log));
            var subject = new GuestProbeSubject(null, socket, (ushort)machine.ReadConfig(slot, ConfigOffsets.VendorId, 2), (ushort)machine.ReadConfig(slot, ConfigOffsets.DeviceId, 2), null);
            report = Run(machine, slot, subject, doorbell, rounds, log);
        }

        return Print(report, json, output, context.Error);
    }

    private static int Probe(CliContext context, string deviceText, string? hostOption, DoorbellRegister? doorbellOption, int rounds, bool json, TextWriter output)
    {
        PciAddress address = PciCommands.ParseAddress(deviceText);
        using GuestDevices devices = GuestDevices.Open(context, hostOption, [address.ToString()]);
        (HostFunction function, IHostDevice device) = devices.Devices[0];

        var log = new List<string>();
        GuestProbeReport report;

        // The machine goes first (it releases its virtual function); the host device is closed after it.
        using (var machine = new VirtualMachine(new VirtualMachineOptions { Clock = devices.SimHost?.Clock }))
        {
            int slot = GuestDevices.Attach(machine, device, LoggingOptions(log), function.Address);
            DoorbellRegister? doorbell = doorbellOption ?? Doorbell(function, simulated: devices.SimHost is not null);
            report = Run(machine, slot, GuestProbeSubject.For(function), doorbell, rounds, log);
        }

        return Print(report, json, output, context.Error);
    }

    // The function logs from whichever thread touched it (the router's among them).
    private static VirtualFunctionOptions LoggingOptions(List<string> log) => new()
    {
        Log = line =>
        {
            lock (log)
            {
                log.Add(line);
            }
        },
    };

    private static GuestProbeReport Run(VirtualMachine machine, int slot, GuestProbeSubject subject, DoorbellRegister? doorbell, int rounds, List<string> log)
    {
        var driver = new GuestDriver(machine, new GuestDriverOptions { Doorbell = doorbell, LatencyRounds = rounds });
        GuestProbeResult result;
        try
        {
            result = driver.Probe(slot);
        }
        catch (GuestDriverException e)
        {
            throw new CliException($"{subject.Name}: {e.Message}{LogSuffix(log)}");
        }

        return new GuestProbeReport(subject, slot, doorbell, result, Snapshot(log));
    }

    /// <summary>The register that makes <paramref name="function"/> raise interrupt n: its model's DOORBELL on a simulated host; none on a real one, where no device-independent way to raise an interrupt exists.</summary>
    public static DoorbellRegister? Doorbell(HostFunction function, bool simulated) =>
        simulated && GuestDevices.ControlBlock(function) is { } block
            ? new DoorbellRegister(block.Bar, block.Offset + SimControlBlock.Doorbell)
            : null;

    /// <summary>Prints <paramref name="report"/> as text or JSON; returns 0 when every interrupt arrived exactly once, else says which did not in one line on <paramref name="error"/> and returns 1.</summary>
    public static int Print(GuestProbeReport report, bool json, TextWriter output, TextWriter error)
    {
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(GuestProbeJsonMapper.Map(report), CliJsonContext.Default.GuestProbeJson));
        }
        else
        {
            GuestProbeView.Write(output, report);
        }

        if (report.Failure is { } failure)
        {
            error.WriteLine($"passage: {failure}");
            return 1;
        }

        return 0;
    }

    private static List<string> Snapshot(List<string> log)
    {
        lock (log)
        {
            return [.. log];
        }
    }

    // A refusal the function explained in its log: the explanation goes on the same line.
    private static string LogSuffix(List<string> log)
    {
        List<string> lines = Snapshot(log);
        return lines.Count == 0 ? string.Empty : $" (log: {string.Join("; ", lines)})";
    }
}
