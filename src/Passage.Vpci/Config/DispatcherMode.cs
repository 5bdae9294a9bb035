namespace Passage.Vpci.Config;

/// <summary>What unhandled config bytes do (vpci.md §2.5).</summary>
public enum DispatcherMode
{
    /// <summary>Assigned devices: gaps read all ones and drop writes (deny by default).</summary>
    Guest,

    /// <summary>Host owner and diagnostics: gaps go to the device's config region.</summary>
    Trusted,
}
