namespace Passage.VfioUser.Protocol;

/// <summary>DEVICE_FEATURE flags: the feature number in bits 15:0 and the operation above (vfio-user.md §4). Wire numbers: frozen.</summary>
[Flags]
public enum VfioUserDeviceFeatureFlags : uint
{
    /// <summary>No operation bit.</summary>
    None = 0,

    /// <summary>Bits 15:0: the feature (<see cref="VfioUserDeviceFeatureId"/>).</summary>
    FeatureMask = 0xFFFF,

    /// <summary>Read the feature; the reply appends its data.</summary>
    Get = 1 << 16,

    /// <summary>Set the feature from the request's data.</summary>
    Set = 1 << 17,

    /// <summary>Ask whether the feature (with GET and/or SET) is supported.</summary>
    Probe = 1 << 18,
}
