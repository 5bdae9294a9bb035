using Passage.Host.Inventory;

namespace Passage.Cli.Guest;

/// <summary>What <c>guest probe</c> gave the guest: a host function (simulated or VFIO) or a device imported over a vfio-user socket.</summary>
/// <param name="Address">The host function's address; null for a vfio-user device.</param>
/// <param name="Socket">The vfio-user socket; null for a host function.</param>
/// <param name="VendorId">Vendor ID as the host reports it.</param>
/// <param name="DeviceId">Device ID as the host reports it.</param>
/// <param name="Model">The simulated model's name, when known.</param>
internal sealed record GuestProbeSubject(string? Address, string? Socket, ushort VendorId, ushort DeviceId, string? Model)
{
    /// <summary>How the subject is named in messages: its address, or its socket.</summary>
    public string Name => Address ?? $"vfio-user device at {Socket}";

    /// <summary>What kind of device it is, for the first line of the report.</summary>
    public string Kind => Socket is not null ? $"vfio-user device at {Socket}" : Model is { } model ? $"simulated device, model {model}" : "VFIO device";

    /// <summary>A host function of the inventory.</summary>
    public static GuestProbeSubject For(HostFunction function) =>
        new(function.Address.ToString(), null, function.Config.VendorId, function.Config.DeviceId, function.Model);
}
