namespace Passage.Pci.Capabilities;

/// <summary>
/// Vendor-specific capability (ID 0x09; byte 2 is its length). For virtio devices (vendor
/// 0x1AF4, device 0x1000–0x107F) the virtio structure locator is decoded too, since it names
/// the BAR ranges the device uses.
/// </summary>
public sealed class VendorSpecificCapability : CapabilityDecoding
{
    /// <summary>Red Hat / virtio vendor ID.</summary>
    public const ushort VirtioVendorId = 0x1AF4;

    private static readonly string[] VirtioTypes = ["<unknown>", "CommonCfg", "Notify", "ISR", "DeviceCfg", "PCICfg", "<unknown>", "<unknown>", "SharedMemory", "Vendor"];

    /// <summary>Decodes the capability at <paramref name="offset"/>.</summary>
    public static VendorSpecificCapability Decode(ConfigSpace config, int offset)
    {
        bool virtio = config.VendorId == VirtioVendorId && config.DeviceId is >= 0x1000 and <= 0x107F;
        byte length = config.Read8(offset + 2);
        return new VendorSpecificCapability
        {
            Offset = offset,
            DeclaredLength = length,
            Virtio = virtio && length >= 16
                ? new VirtioStructure(config.Read8(offset + 3), config.Read8(offset + 4), config.Read32(offset + 8), config.Read32(offset + 12),
                    config.Read8(offset + 3) == 2 && length >= 20 ? config.Read32(offset + 16) : null)
                : null,
        };
    }

    /// <summary>Length byte as declared by the device.</summary>
    public byte DeclaredLength { get; private init; }

    /// <summary>The virtio structure locator, for virtio devices.</summary>
    public VirtioStructure? Virtio { get; private init; }

    /// <inheritdoc />
    public override int Length => Math.Max((int)DeclaredLength, 3);

    /// <inheritdoc />
    public override string Title => Virtio is { } v
        ? $"Vendor Specific Information: VirtIO: {(v.Type < VirtioTypes.Length ? VirtioTypes[v.Type] : "<unknown>")}"
        : $"Vendor Specific Information: Len={DeclaredLength:x2} <?>";

    /// <inheritdoc />
    public override IReadOnlyList<string> Details => Virtio is { } v
        ? [$"BAR={v.Bar} offset={v.BarOffset:x8} size={v.Size:x8}" + (v.NotifyMultiplier is { } m ? $" multiplier={m:x8}" : string.Empty)]
        : [];

    /// <inheritdoc />
    public override IReadOnlyList<DecodedField> Fields
    {
        get
        {
            var f = new FieldList().Add("length", (long)DeclaredLength);
            if (Virtio is { } v)
            {
                f.Add("virtioType", (long)v.Type)
                    .Add("virtioTypeName", v.Type < VirtioTypes.Length ? VirtioTypes[v.Type] : "unknown")
                    .Add("bar", (long)v.Bar)
                    .Add("barOffset", (long)v.BarOffset)
                    .Add("size", (long)v.Size);
                if (v.NotifyMultiplier is { } m)
                {
                    f.Add("notifyMultiplier", (long)m);
                }
            }

            return f.Fields;
        }
    }
}

/// <summary>A virtio PCI structure locator (virtio 1.x §4.1.4).</summary>
/// <param name="Type">cfg_type: 1 common, 2 notify, 3 ISR, 4 device, 5 PCI config access, 8 shared memory.</param>
/// <param name="Bar">BAR holding the structure.</param>
/// <param name="BarOffset">Offset within the BAR.</param>
/// <param name="Size">Length of the structure.</param>
/// <param name="NotifyMultiplier">Queue notify offset multiplier (notify structures only).</param>
public sealed record VirtioStructure(byte Type, byte Bar, uint BarOffset, uint Size, uint? NotifyMultiplier);
