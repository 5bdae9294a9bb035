using Passage.Pci;
using Passage.Pci.Decoding;

namespace Passage.Cli.Pci;

/// <summary>Names for class codes and IDs: the system's pci.ids when it has one, built-in class names otherwise.</summary>
internal sealed class NameResolver(PciIdDatabase? database)
{
    /// <summary>A resolver over the system's pci.ids, if any.</summary>
    public static NameResolver System() => new(PciIdDatabase.TryLoadSystem());

    public FunctionNames For(ConfigSpace config)
    {
        string? vendor = database?.VendorName(config.VendorId);
        string? device = database?.DeviceName(config.VendorId, config.DeviceId);
        return new FunctionNames(
            // The header line names the sub-class, as lspci does; the programming interface prints apart.
            database?.SubClassName(config.ClassCode) ?? ClassCodes.Name(config.ClassCode),
            vendor,
            device,
            config.Layout == HeaderLayout.Endpoint ? SubsystemText(config, vendor, device) : null);
    }

    // As lspci: the subsystem's own entry, else the device's name when the IDs repeat the device's,
    // else the subsystem vendor's name.
    private string? SubsystemText(ConfigSpace config, string? vendor, string? device)
    {
        if (database is null)
        {
            return null;
        }

        string? subVendor = database.VendorName(config.SubsystemVendorId);
        string? name = database.SubsystemName(config.VendorId, config.DeviceId, config.SubsystemVendorId, config.SubsystemId);
        if (name is null && config.SubsystemVendorId == config.VendorId && config.SubsystemId == config.DeviceId)
        {
            (subVendor, name) = (vendor, device);
        }

        return subVendor is null ? null : $"{subVendor} {name ?? "Device"}";
    }
}
