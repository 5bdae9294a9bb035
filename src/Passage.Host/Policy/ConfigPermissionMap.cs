using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Pci.Decoding;

namespace Passage.Host.Policy;

/// <summary>
/// vfio-pci's byte map for one function (host-device.md §2.1): which bytes belong to the header,
/// to an exposed capability, or to a gap (raw hardware), with per-bit virtual and writable masks,
/// and the edited capability chains that hide what vfio-pci hides.
/// </summary>
public sealed class ConfigPermissionMap
{
    /// <summary>Owner value of bytes that belong to no exposed capability: raw hardware access.</summary>
    public const int Gap = -1;

    private readonly byte[] _virt;
    private readonly byte[] _write;
    private readonly int[] _owner;

    private ConfigPermissionMap(int size)
    {
        _virt = new byte[size];
        _write = new byte[size];
        _owner = new int[size];
    }

    /// <summary>Size of the configuration space the map covers (256 or 4096).</summary>
    public int Size => _owner.Length;

    /// <summary>Exposed standard capabilities in chain order (hidden ones skipped).</summary>
    public IReadOnlyList<CapabilityEntry> ExposedStandard { get; private init; } = [];

    /// <summary>Exposed extended capabilities in chain order (hidden ones skipped).</summary>
    public IReadOnlyList<CapabilityEntry> ExposedExtended { get; private init; } = [];

    /// <summary>Virtual bits of byte <paramref name="offset"/>.</summary>
    public byte Virt(int offset) => _virt[offset];

    /// <summary>Writable bits of byte <paramref name="offset"/>.</summary>
    public byte Write(int offset) => _write[offset];

    /// <summary>Start of the capability (0 for the header) that owns byte <paramref name="offset"/>, or <see cref="Gap"/>.</summary>
    public int Owner(int offset) => _owner[offset];

    /// <summary>Builds the map of <paramref name="function"/> and applies vfio-pci's chain edits to <paramref name="shadow"/>.</summary>
    /// <param name="function">The function as read from hardware at open.</param>
    /// <param name="shadow">The shadow (vconfig), filled from hardware; edited in place.</param>
    public static ConfigPermissionMap Build(DecodedFunction function, Span<byte> shadow)
    {
        ConfigSpace config = function.Config;
        int size = config.Length > ConfigOffsets.ConventionalSize ? ConfigOffsets.ExtendedSize : ConfigOffsets.ConventionalSize;
        var map = new ConfigPermissionMap(size)
        {
            ExposedStandard = function.Capabilities
                .Where(c => ConfigPermissionTables.StandardLength(config, c.Entry, c.Decoded) > 0).Select(c => c.Entry).ToList(),
            ExposedExtended = function.ExtendedCapabilities
                .Where(c => ConfigPermissionTables.ExtendedLength(config, c.Entry, c.Decoded) > 0).Select(c => c.Entry).ToList(),
        };

        // Gaps: raw hardware reads and writes.
        map._owner.AsSpan().Fill(Gap);
        map._write.AsSpan().Fill(0xFF);

        map.Claim(0, ConfigOffsets.HeaderSize, 0);
        foreach (FieldPermission p in ConfigPermissionTables.Header)
        {
            map.Apply(0, p);
        }

        foreach (DecodedCapability cap in function.Capabilities)
        {
            int length = ConfigPermissionTables.StandardLength(config, cap.Entry, cap.Decoded);
            if (length == 0)
            {
                continue;
            }

            int start = cap.Entry.Offset;
            map.Claim(start, Math.Min(length, ConfigOffsets.ConventionalSize - start), start);
            map.Apply(start, FieldPermission.VirtReadOnly(0, 2));
            if (cap.Entry.Id == (int)CapabilityId.VendorSpecific)
            {
                map.Apply(start, new FieldPermission(2, 1, 0, 0xFF));
                map.RawWritable(start + 3, length - 3);
            }

            foreach (FieldPermission p in ConfigPermissionTables.ForStandard(cap.Entry.Id))
            {
                map.Apply(start, p);
            }

            if (cap.Decoded is MsiCapability msi)
            {
                foreach (FieldPermission p in ConfigPermissionTables.MsiMessage(msi))
                {
                    map.Apply(start, p);
                }
            }
        }

        foreach (DecodedCapability cap in function.ExtendedCapabilities)
        {
            int length = ConfigPermissionTables.ExtendedLength(config, cap.Entry, cap.Decoded);
            if (length == 0)
            {
                continue;
            }

            int start = cap.Entry.Offset;
            length = Math.Min(length, size - start);
            map.Claim(start, length, start);
            map.Apply(start, FieldPermission.VirtReadOnly(0, 4));
            if (ConfigPermissionTables.RawExtended.Contains(cap.Entry.Id))
            {
                map.RawWritable(start + 4, length - 4);
            }

            foreach (FieldPermission p in ConfigPermissionTables.ForExtended(cap.Entry.Id))
            {
                map.Apply(start, p);
            }
        }

        map.EditChains(function, shadow);
        return map;
    }

    private void Claim(int start, int length, int owner)
    {
        for (int i = start; i < start + length && i < Size; i++)
        {
            _owner[i] = owner;
            _virt[i] = 0;
            _write[i] = 0;
        }
    }

    private void RawWritable(int start, int length)
    {
        for (int i = start; i < start + length && i < Size; i++)
        {
            _write[i] = 0xFF;
        }
    }

    private void Apply(int capability, FieldPermission p)
    {
        for (int i = 0; i < p.Size; i++)
        {
            int at = capability + p.Offset + i;
            if (at < Size)
            {
                _virt[at] = (byte)(p.Virt >> (8 * i));
                _write[at] = (byte)(p.Write >> (8 * i));
            }
        }
    }

    // Hidden capabilities are skipped by rewriting the previous next pointer in the shadow; a
    // hidden capability at 0x100 stays as a placeholder (ID and version zeroed, next kept).
    private void EditChains(DecodedFunction function, Span<byte> shadow)
    {
        shadow[ConfigOffsets.CapabilitiesPointer] = (byte)(ExposedStandard.Count > 0 ? ExposedStandard[0].Offset : 0);
        for (int i = 0; i < ExposedStandard.Count; i++)
        {
            shadow[ExposedStandard[i].Offset + 1] = (byte)(i + 1 < ExposedStandard.Count ? ExposedStandard[i + 1].Offset : 0);
        }

        ushort status = (ushort)(shadow[ConfigOffsets.Status] | (shadow[ConfigOffsets.Status + 1] << 8));
        status = ExposedStandard.Count > 0 ? (ushort)(status | (ushort)PciStatus.CapabilitiesList) : (ushort)(status & ~(ushort)PciStatus.CapabilitiesList);
        shadow[ConfigOffsets.Status] = (byte)status;

        if (ExposedStandard.FirstOrDefault(e => e.Id == (int)CapabilityId.PowerManagement) is { } pmEntry && pmEntry.Offset is var pm)
        {
            // PME is virtualized away: no PME_Support, PME_En and PME_Status read 0.
            shadow[pm + 3] &= 0x07;
            shadow[pm + 5] &= 0x7E;
        }

        if (function.Pcie is { } pcie)
        {
            shadow[pcie.Offset + PciExpressCapability.DeviceControlOffset + 1] &= 0x7F; // Initiate FLR reads 0
        }

        if (Size <= ConfigOffsets.ConventionalSize || function.ExtendedCapabilities.Count == 0)
        {
            return;
        }

        for (int i = 0; i < ExposedExtended.Count; i++)
        {
            int next = i + 1 < ExposedExtended.Count ? ExposedExtended[i + 1].Offset : 0;
            SetExtendedNext(shadow, ExposedExtended[i].Offset, next);
        }

        if (ExposedExtended.Count == 0)
        {
            shadow.Slice(ConfigOffsets.ExtendedCapabilitiesStart, 4).Clear();
            Claim(ConfigOffsets.ExtendedCapabilitiesStart, 4, ConfigOffsets.ExtendedCapabilitiesStart);
            Apply(ConfigOffsets.ExtendedCapabilitiesStart, FieldPermission.VirtReadOnly(0, 4));
        }
        else if (ExposedExtended[0].Offset != ConfigOffsets.ExtendedCapabilitiesStart)
        {
            // Placeholder: ID and version zeroed, next pointing at the first exposed capability.
            shadow.Slice(ConfigOffsets.ExtendedCapabilitiesStart, 4).Clear();
            SetExtendedNext(shadow, ConfigOffsets.ExtendedCapabilitiesStart, ExposedExtended[0].Offset);
            Claim(ConfigOffsets.ExtendedCapabilitiesStart, 4, ConfigOffsets.ExtendedCapabilitiesStart);
            Apply(ConfigOffsets.ExtendedCapabilitiesStart, FieldPermission.VirtReadOnly(0, 4));
        }
    }

    private static void SetExtendedNext(Span<byte> shadow, int offset, int next)
    {
        uint header = (uint)(shadow[offset] | (shadow[offset + 1] << 8) | (shadow[offset + 2] << 16) | (shadow[offset + 3] << 24));
        header = (header & 0x000F_FFFF) | ((uint)next << 20);
        shadow[offset] = (byte)header;
        shadow[offset + 1] = (byte)(header >> 8);
        shadow[offset + 2] = (byte)(header >> 16);
        shadow[offset + 3] = (byte)(header >> 24);
    }
}
