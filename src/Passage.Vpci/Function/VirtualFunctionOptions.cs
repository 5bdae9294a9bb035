using Passage.Vpci.Config;

namespace Passage.Vpci.Function;

/// <summary>Per-function policy of a virtual function (vpci.md §2.5, §4).</summary>
public sealed record VirtualFunctionOptions
{
    /// <summary>Guest (deny by default) or trusted (host owner, diagnostics).</summary>
    public DispatcherMode Mode { get; init; } = DispatcherMode.Guest;

    /// <summary>Unemulated config bytes show the device's value, as QEMU does (off: they read all ones).</summary>
    public bool PassthroughGaps { get; init; }

    /// <summary>Vendor-specific capabilities (0x09) are linked and passed through raw.</summary>
    public bool ExposeVendorCapabilities { get; init; }

    /// <summary>Expose a virtual AER extended capability (requires host AER).</summary>
    public bool VirtualAer { get; init; }

    /// <summary>Receives one line per notable event (refused mappings, unavailable vectors, dropped accesses); null = none.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>The defaults: guest mode, nothing extra exposed.</summary>
    public static VirtualFunctionOptions Default { get; } = new();
}
