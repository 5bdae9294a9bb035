using System.Globalization;

namespace Passage.Tests.Shared;

/// <summary>Builds the parts of a sysfs tree that driver binding reads and writes, in a temp folder.</summary>
internal static class FakeSysfs
{
    /// <summary>
    /// Adds <c>bus/pci/devices/NAME</c> with a 64-byte config (Intel IDs, the given header type), an
    /// empty <c>driver_override</c>, optionally a <c>driver</c> link (with an <c>unbind</c> file) and
    /// an <c>iommu_group</c> link whose group lists the function; returns the function's folder.
    /// </summary>
    public static string AddFunction(string sysRoot, string name, byte headerType, string? driver, int? group)
    {
        string dir = Path.Combine(sysRoot, "bus", "pci", "devices", name);
        Directory.CreateDirectory(dir);
        byte[] config = new byte[64];
        config[0] = 0x86;
        config[1] = 0x80;
        config[0x0E] = headerType;
        File.WriteAllBytes(Path.Combine(dir, "config"), config);
        File.WriteAllText(Path.Combine(dir, "driver_override"), "");

        if (driver is not null)
        {
            string driverDir = Path.Combine(sysRoot, "bus", "pci", "drivers", driver);
            Directory.CreateDirectory(driverDir);
            File.WriteAllText(Path.Combine(driverDir, "unbind"), "");
            Directory.CreateSymbolicLink(Path.Combine(dir, "driver"), driverDir);
        }

        if (group is { } number)
        {
            string groupDir = Path.Combine(sysRoot, "kernel", "iommu_groups", number.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(Path.Combine(groupDir, "devices"));
            Directory.CreateSymbolicLink(Path.Combine(dir, "iommu_group"), groupDir);
            Directory.CreateSymbolicLink(Path.Combine(groupDir, "devices", name), dir);
        }

        return dir;
    }
}
