using System.Globalization;
using Passage.Host.Devices;
using Passage.Host.Sim.Runtime;

namespace Passage.Cli.Devices;

/// <summary>The names <c>device info</c> gives regions, IRQ indexes and their flags, shared by text and JSON.</summary>
internal static class DeviceNames
{
    private static readonly string[] IrqNames = ["INTX", "MSI", "MSIX", "ERR", "REQ"];

    /// <summary>BAR0…BAR5, ROM, CONFIG, VGA; device-specific regions as REGIONn.</summary>
    public static string Region(int index) => index switch
    {
        >= VfioRegion.Bar0 and <= VfioRegion.Bar5 => string.Create(CultureInfo.InvariantCulture, $"BAR{index}"),
        VfioRegion.Rom => "ROM",
        VfioRegion.Config => "CONFIG",
        VfioRegion.Vga => "VGA",
        _ => string.Create(CultureInfo.InvariantCulture, $"REGION{index}"),
    };

    /// <summary>INTX, MSI, MSIX, ERR, REQ; others as IRQn.</summary>
    public static string Irq(int index) =>
        (uint)index < (uint)IrqNames.Length ? IrqNames[index] : string.Create(CultureInfo.InvariantCulture, $"IRQ{index}");

    /// <summary><c>pci</c>, <c>reset</c>.</summary>
    public static List<string> Flags(DeviceFlags flags)
    {
        List<string> names = [];
        Add(names, flags.HasFlag(DeviceFlags.Pci), "pci");
        Add(names, flags.HasFlag(DeviceFlags.Reset), "reset");
        return names;
    }

    /// <summary><c>read</c>, <c>write</c>, <c>mmap</c>.</summary>
    public static List<string> Flags(RegionFlags flags)
    {
        List<string> names = [];
        Add(names, flags.HasFlag(RegionFlags.Read), "read");
        Add(names, flags.HasFlag(RegionFlags.Write), "write");
        Add(names, flags.HasFlag(RegionFlags.Mmap), "mmap");
        return names;
    }

    /// <summary><c>eventfd</c>, <c>maskable</c>, <c>automasked</c>, <c>noresize</c>.</summary>
    public static List<string> Flags(IrqInfoFlags flags)
    {
        List<string> names = [];
        Add(names, flags.HasFlag(IrqInfoFlags.Eventfd), "eventfd");
        Add(names, flags.HasFlag(IrqInfoFlags.Maskable), "maskable");
        Add(names, flags.HasFlag(IrqInfoFlags.Automasked), "automasked");
        Add(names, flags.HasFlag(IrqInfoFlags.NoResize), "noresize");
        return names;
    }

    /// <summary><c>rw</c>, <c>ro</c>, <c>wo</c>.</summary>
    public static string Access(SimRegisterAccess access) => access switch
    {
        SimRegisterAccess.ReadOnly => "ro",
        SimRegisterAccess.WriteOnly => "wo",
        _ => "rw",
    };

    private static void Add(List<string> names, bool set, string name)
    {
        if (set)
        {
            names.Add(name);
        }
    }
}
