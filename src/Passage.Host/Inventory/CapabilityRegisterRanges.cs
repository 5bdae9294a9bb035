using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Pci.Decoding;

namespace Passage.Host.Inventory;

/// <summary>
/// Device register ranges inside BARs that a function's capabilities reveal: today the virtio
/// structure locators of vendor-specific capabilities (virtio 1.x §4.1.4). Used to tell whether
/// an MSI-X table or PBA shares a page with other registers.
/// </summary>
public static class CapabilityRegisterRanges
{
    private const int HighestBar = 5;
    private const int Cap64MinimumLength = 24;
    private const int OffsetHighField = 16;
    private const int LengthHighField = 20;

    /// <summary>The register ranges named by <paramref name="decoded"/>'s capabilities, in list order, without duplicates.</summary>
    public static IReadOnlyList<RegisterRange> From(DecodedFunction decoded)
    {
        var ranges = new List<RegisterRange>();
        foreach (DecodedCapability capability in decoded.Capabilities)
        {
            if (capability.Decoded is VendorSpecificCapability { Virtio: { } virtio } vendor &&
                FromVirtio(decoded.Config, capability.Entry.Offset, vendor.DeclaredLength, virtio) is { } range &&
                !ranges.Contains(range))
            {
                ranges.Add(range);
            }
        }

        return ranges;
    }

    private static RegisterRange? FromVirtio(ConfigSpace config, int capabilityOffset, byte declaredLength, VirtioStructure virtio)
    {
        // Only these types locate registers. 5 is a window onto BAR space through config
        // space, 9 carries vendor data instead of a locator, and unknown types must be ignored.
        string? name = virtio.Type switch
        {
            1 => "virtio common config",
            2 => "virtio notify",
            3 => "virtio ISR",
            4 => "virtio device config",
            8 => "virtio shared memory",
            _ => null,
        };

        if (name is null || virtio.Bar > HighestBar)
        {
            return null;
        }

        ulong offset = virtio.BarOffset;
        ulong length = virtio.Size;
        if (virtio.Type == 8 && declaredLength >= Cap64MinimumLength)
        {
            // Shared memory regions use the 64-bit locator: the upper halves follow the notify slot.
            offset |= (ulong)config.Read32(capabilityOffset + OffsetHighField) << 32;
            length |= (ulong)config.Read32(capabilityOffset + LengthHighField) << 32;
        }

        return length == 0 ? null : new RegisterRange(virtio.Bar, offset, length, name);
    }
}
