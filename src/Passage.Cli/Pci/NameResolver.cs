using Passage.Pci;
using Passage.Pci.Decoding;

namespace Passage.Cli.Pci;

/// <summary>Names for class codes and IDs: the system's pci.ids when it has one, built-in class names otherwise.</summary>
internal sealed class NameResolver(PciIdDatabase? database)
{
    /// <summary>A resolver over the system's pci.ids, if any.</summary>
    public static NameResolver System() => new(PciIdDatabase.TryLoadSystem());

    public FunctionNames For(ConfigSpace config) => new(
        database?.ClassName(config.ClassCode) ?? ClassCodes.Name(config.ClassCode),
        database?.VendorName(config.VendorId),
        database?.DeviceName(config.VendorId, config.DeviceId),
        config.Layout == HeaderLayout.Endpoint
            ? database?.SubsystemName(config.VendorId, config.DeviceId, config.SubsystemVendorId, config.SubsystemId)
            : null);
}
