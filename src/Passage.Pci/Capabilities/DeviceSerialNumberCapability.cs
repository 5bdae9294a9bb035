namespace Passage.Pci.Capabilities;

/// <summary>Device Serial Number extended capability (ID 0x0003).</summary>
public sealed class DeviceSerialNumberCapability : CapabilityDecoding
{
    /// <summary>Decodes the capability at <paramref name="offset"/>.</summary>
    public static DeviceSerialNumberCapability Decode(ConfigSpace config, int offset) => new()
    {
        Offset = offset,
        SerialNumber = config.Read64(offset + 4),
    };

    /// <summary>The 64-bit serial number.</summary>
    public ulong SerialNumber { get; private init; }

    /// <inheritdoc />
    public override int Length => 12;

    /// <inheritdoc />
    public override string Title =>
        "Device Serial Number " + string.Join('-', Enumerable.Range(0, 8).Reverse().Select(i => ((SerialNumber >> (8 * i)) & 0xFF).ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));

    /// <inheritdoc />
    public override IReadOnlyList<string> Details => [];

    /// <inheritdoc />
    public override IReadOnlyList<DecodedField> Fields => new FieldList().Add("serialNumber", SerialNumber).Fields;
}
