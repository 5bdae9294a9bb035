using Passage.Host.Inventory;
using Passage.Host.Sim;

namespace Passage.Scenarios.Harness;

/// <summary>The lab host (<c>hosts/lab.json</c>) and the functions scenarios give to guests.</summary>
internal static class LabDevices
{
    /// <summary>Intel I210 NIC: 5 MSI-X vectors, table and PBA in BAR3, an I/O BAR.</summary>
    public const string Nic = "0000:05:00.0";

    /// <summary>Samsung 970 EVO NVMe: 33 MSI-X vectors (admin + 32 queues), PBA page just below the table page in BAR0.</summary>
    public const string Nvme = "0000:06:00.0";

    /// <summary>Intel AX210 Wi-Fi: 16 MSI-X vectors; its control registers share the table's page (seed 003).</summary>
    public const string Wifi = "0000:02:00.0";

    /// <summary>Chelsio T5 VF: 8 MSI-X vectors; the PBA it reports lies beyond its BAR and is fixed up.</summary>
    public const string T5Vf = "0000:07:00.0";

    /// <summary>AMD Polaris GPU: 64-bit prefetchable BARs, an I/O BAR, an expansion ROM, vendor-specific, ARI and other capabilities guests do not get.</summary>
    public const string Gpu = "0000:01:00.0";

    /// <summary>ICH9 AHCI: five I/O BARs, a BAR smaller than a page, SATA and Advanced Features capabilities guests do not get.</summary>
    public const string Ahci = "0000:00:1f.2";

    /// <summary>ICH9 SMBus: a 256-byte 64-bit BAR and an I/O BAR, no capabilities at all.</summary>
    public const string Smbus = "0000:00:1f.3";

    private static readonly Lazy<HostInventory> Inventory = new(() => SimulatedHost.Load(Path.Combine(AppContext.BaseDirectory, "hosts", "lab.json")));

    /// <summary>The lab's inventory, loaded once.</summary>
    public static HostInventory Lab => Inventory.Value;
}
