using Passage.Host.Sim.Models;

namespace Passage.Host.Sim;

/// <summary>The device models a topology file can name.</summary>
public static class DeviceModelCatalogue
{
    private static readonly SimDeviceModel[] Models =
    [
        HostBridgeModel.Definition,
        RootPortModel.Cpu,
        RootPortModel.Pch,
        SwitchPortModel.Upstream,
        SwitchPortModel.Downstream,
        NicModel.Definition,
        NvmeModel.Definition,
        GpuModel.Graphics,
        GpuModel.Audio,
        WifiModel.Definition,
        PbaBeyondBarModel.Definition,
        AhciModel.Definition,
        LpcBridgeModel.Definition,
        SmbusModel.Definition,
    ];

    /// <summary>Every model, in catalogue order.</summary>
    public static IReadOnlyList<SimDeviceModel> All => Models;

    /// <summary>The model named <paramref name="name"/>, or null.</summary>
    public static SimDeviceModel? Find(string name) => Array.Find(Models, m => m.Name == name);
}
