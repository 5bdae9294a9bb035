using Passage.Host.Sim.Models;

namespace Passage.Host.Sim;

/// <summary>The device models a topology file can name.</summary>
public static class DeviceModelCatalogue
{
    private static readonly SimDeviceModel[] Models =
    [
        new HostBridgeModel(),
        new RootPortModel("root-port", 0x1901, "Intel Xeon E3/6th Gen Core PCIe root port x16 (8086:1901)"),
        new RootPortModel("root-port-pch", 0xA110, "Intel 100 Series PCH PCIe root port (8086:a110)"),
        new SwitchPortModel(upstream: true),
        new SwitchPortModel(upstream: false),
        new NicModel(),
        new NvmeModel(),
        new GpuModel(),
        new GpuAudioModel(),
        new WifiModel(),
        new PbaBeyondBarModel(),
        new AhciModel(),
        new LpcBridgeModel(),
        new SmbusModel(),
    ];

    /// <summary>Every model, in catalogue order.</summary>
    public static IReadOnlyList<SimDeviceModel> All => Models;

    /// <summary>The model named <paramref name="name"/>, or null.</summary>
    public static SimDeviceModel? Find(string name) => Array.Find(Models, m => m.Name == name);
}
