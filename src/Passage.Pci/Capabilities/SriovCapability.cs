namespace Passage.Pci.Capabilities;

/// <summary>Single Root I/O Virtualization extended capability (ID 0x0010, pci.md §14).</summary>
public sealed class SriovCapability : CapabilityDecoding
{
    /// <summary>Offset of SR-IOV Control.</summary>
    public const int ControlOffset = 0x08;

    /// <summary>Offset of NumVFs.</summary>
    public const int NumVfsOffset = 0x10;

    /// <summary>Offset of VF BAR0.</summary>
    public const int VfBar0Offset = 0x24;

    /// <summary>Decodes the capability at <paramref name="offset"/>.</summary>
    public static SriovCapability Decode(ConfigSpace config, int offset) => new()
    {
        Offset = offset,
        SriovCapabilities = config.Read32(offset + 0x04),
        Control = config.Read16(offset + ControlOffset),
        InitialVfs = config.Read16(offset + 0x0C),
        TotalVfs = config.Read16(offset + 0x0E),
        NumVfs = config.Read16(offset + NumVfsOffset),
        FunctionDependencyLink = config.Read8(offset + 0x12),
        FirstVfOffset = config.Read16(offset + 0x14),
        VfStride = config.Read16(offset + 0x16),
        VfDeviceId = config.Read16(offset + 0x1A),
        SupportedPageSizes = config.Read32(offset + 0x1C),
        SystemPageSize = config.Read32(offset + 0x20),
    };

    /// <summary>SR-IOV Capabilities register.</summary>
    public uint SriovCapabilities { get; private init; }

    /// <summary>SR-IOV Control register.</summary>
    public ushort Control { get; private init; }

    /// <summary>InitialVFs.</summary>
    public ushort InitialVfs { get; private init; }

    /// <summary>TotalVFs.</summary>
    public ushort TotalVfs { get; private init; }

    /// <summary>NumVFs.</summary>
    public ushort NumVfs { get; private init; }

    /// <summary>Function Dependency Link.</summary>
    public byte FunctionDependencyLink { get; private init; }

    /// <summary>First VF Offset.</summary>
    public ushort FirstVfOffset { get; private init; }

    /// <summary>VF Stride.</summary>
    public ushort VfStride { get; private init; }

    /// <summary>VF Device ID.</summary>
    public ushort VfDeviceId { get; private init; }

    /// <summary>Supported Page Sizes.</summary>
    public uint SupportedPageSizes { get; private init; }

    /// <summary>System Page Size.</summary>
    public uint SystemPageSize { get; private init; }

    /// <summary>VF Enable.</summary>
    public bool VfEnabled => (Control & 0x1) != 0;

    /// <summary>VF Memory Space Enable.</summary>
    public bool VfMemoryEnabled => (Control & 0x8) != 0;

    /// <summary>ARI Capable Hierarchy.</summary>
    public bool AriCapableHierarchy => (Control & 0x10) != 0;

    /// <summary>Routing ID of VF <paramref name="k"/> (1-based) relative to the PF's routing ID.</summary>
    public int VfRoutingIdOffset(int k) => FirstVfOffset + ((k - 1) * VfStride);

    /// <inheritdoc />
    public override int Length => 0x40;

    /// <inheritdoc />
    public override string Title => "Single Root I/O Virtualization (SR-IOV)";

    /// <inheritdoc />
    public override IReadOnlyList<string> Details =>
    [
        $"IOVCtl: Enable{F(VfEnabled)} Migration{F((Control & 0x2) != 0)} Interrupt{F((Control & 0x4) != 0)} MSE{F(VfMemoryEnabled)} ARIHierarchy{F(AriCapableHierarchy)}",
        $"Initial VFs: {InitialVfs}, Total VFs: {TotalVfs}, Number of VFs: {NumVfs}, Function Dependency Link: {FunctionDependencyLink:x2}",
        $"VF offset: {FirstVfOffset}, stride: {VfStride}, Device ID: {VfDeviceId:x4}",
        $"Supported Page Size: {SupportedPageSizes:x8}, System Page Size: {SystemPageSize:x8}",
    ];

    /// <inheritdoc />
    public override IReadOnlyList<DecodedField> Fields => new FieldList()
        .Add("vfEnable", VfEnabled)
        .Add("vfMemoryEnable", VfMemoryEnabled)
        .Add("ariCapableHierarchy", AriCapableHierarchy)
        .Add("initialVfs", (long)InitialVfs)
        .Add("totalVfs", (long)TotalVfs)
        .Add("numVfs", (long)NumVfs)
        .Add("functionDependencyLink", (long)FunctionDependencyLink)
        .Add("firstVfOffset", (long)FirstVfOffset)
        .Add("vfStride", (long)VfStride)
        .Add("vfDeviceId", (long)VfDeviceId)
        .Add("supportedPageSizes", (long)SupportedPageSizes)
        .Add("systemPageSize", (long)SystemPageSize)
        .Fields;
}
