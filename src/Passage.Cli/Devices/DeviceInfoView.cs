using System.Globalization;
using Passage.Host.Sim.Runtime;

namespace Passage.Cli.Devices;

/// <summary>The human form of <c>passage device info</c>: device flags, a region table, an IRQ table, reset, and the simulation registers.</summary>
internal static class DeviceInfoView
{
    private static readonly string[] RegionHeader = ["INDEX", "NAME", "SIZE", "FLAGS", "MSIX-MAPPABLE", "SPARSE AREAS"];
    private static readonly string[] IrqHeader = ["INDEX", "NAME", "COUNT", "FLAGS"];
    private static readonly string[] RegisterHeader = ["NAME", "OFFSET", "SIZE", "ACCESS", "DESCRIPTION"];

    public static void Write(TextWriter output, DeviceSnapshot device)
    {
        output.WriteLine(device.Model is { } model ? $"{device.Name}: simulated device, model {model}"
            : device.Backend == "vfio-user" ? $"{device.Name}: vfio-user device"
            : $"{device.Name}: VFIO device");
        output.WriteLine($"Device flags: {Words(DeviceNames.Flags(device.Info.Flags))}");
        output.WriteLine($"Reset: {(device.Resettable ? "function reset available" : "no function reset")}");

        output.WriteLine("Regions:");
        var regions = new List<string[]> { RegionHeader };
        regions.AddRange(device.Regions.Select(r => new[]
        {
            Number(r.Index),
            DeviceNames.Region(r.Index),
            Size(r.Size),
            Words(DeviceNames.Flags(r.Flags)),
            r.MsixMappable ? "yes" : "no",
            r.SparseAreas.Count == 0 ? "-" : string.Join(", ", r.SparseAreas.Select(a => $"{Hex(a.Offset)}+{Hex(a.Size)}")),
        }));
        TextTable.Write(output, "  ", regions);

        output.WriteLine("IRQs:");
        var irqs = new List<string[]> { IrqHeader };
        irqs.AddRange(device.Irqs.Select(i => new[] { Number(i.Index), DeviceNames.Irq(i.Index), Number(i.Count), Words(DeviceNames.Flags(i.Flags)) }));
        TextTable.Write(output, "  ", irqs);

        if (device.ControlBlock is { } block)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Simulation control block: BAR{block.Bar} + {Hex(block.Offset)} ({SimControlBlock.Length} bytes, aligned 32-bit access only)"));
            var registers = new List<string[]> { RegisterHeader };
            registers.AddRange(block.Registers.Select(r => new[] { r.Name, $"BAR{Number(r.Bar)}+{Hex(r.Offset)}", Number(r.Size), DeviceNames.Access(r.Access), r.Description }));
            TextTable.Write(output, "  ", registers);
        }
        else if (device.Model is not null)
        {
            output.WriteLine("Simulation control block: none");
        }
    }

    private static string Words(List<string> words) => words.Count == 0 ? "-" : string.Join(' ', words);

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Hex(ulong value) => string.Create(CultureInfo.InvariantCulture, $"0x{value:x}");

    /// <summary>"-" for an unimplemented region, else hex bytes with a binary-unit figure.</summary>
    private static string Size(ulong bytes)
    {
        if (bytes == 0)
        {
            return "-";
        }

        string[] units = ["", "K", "M", "G", "T"];
        int unit = 0;
        ulong value = bytes;
        while (value >= 1024 && value % 1024 == 0 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0 ? $"{Hex(bytes)}" : string.Create(CultureInfo.InvariantCulture, $"{Hex(bytes)} ({value}{units[unit]})");
    }
}
