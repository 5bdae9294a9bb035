using System.CommandLine;
using System.Text.Json;
using Passage.Cli.Json;
using Passage.Cli.Pci;
using Passage.Cli.Vm;
using Passage.Host.Devices;
using Passage.Host.Inventory;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
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
        var device = new Option<string>("--device")
        {
            Description = "Host function to give the guest, SSSS:BB:DD.F or BB:DD.F; the guest finds it at 0000:00:01.0.",
            HelpName = "ADDRESS",
            Required = true,
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
            host, device, rounds, json,
        };
        probe.SetAction(r => context.Run(r, output => Probe(context, r.GetValue(device)!, r.GetValue(host), r.GetValue(rounds), r.GetValue(json), output)));

        return new Command("guest", "Play a guest's driver against host functions in a virtual machine.") { probe };
    }

    private static int Probe(CliContext context, string deviceText, string? hostOption, int rounds, bool json, TextWriter output)
    {
        PciAddress address = PciCommands.ParseAddress(deviceText);
        if (rounds is < 0 or > MaxRounds)
        {
            throw new UsageException($"--rounds {rounds} is out of range: 0 to {MaxRounds}");
        }

        using GuestDevices devices = GuestDevices.Open(context, hostOption, [address.ToString()]);
        (HostFunction function, IHostDevice device) = devices.Devices[0];

        // The function logs from whichever thread touched it (the router's among them).
        var log = new List<string>();
        var functionOptions = new VirtualFunctionOptions
        {
            Log = line =>
            {
                lock (log)
                {
                    log.Add(line);
                }
            },
        };

        GuestProbeReport report;

        // The machine goes first (it releases its virtual function); the host device is closed after it.
        using (var machine = new VirtualMachine(new VirtualMachineOptions { Clock = devices.SimHost?.Clock }))
        {
            int slot = GuestDevices.Attach(machine, device, functionOptions, function.Address);
            DoorbellRegister? doorbell = Doorbell(function, simulated: devices.SimHost is not null);
            var driver = new GuestDriver(machine, new GuestDriverOptions { Doorbell = doorbell, LatencyRounds = rounds });
            GuestProbeResult result;
            try
            {
                result = driver.Probe(slot);
            }
            catch (GuestDriverException e)
            {
                throw new CliException($"{function.Address}: {e.Message}{LogSuffix(log)}");
            }

            report = new GuestProbeReport(GuestProbeSubject.For(function), slot, doorbell, result, Snapshot(log));
        }

        return Print(report, json, output, context.Error);
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
