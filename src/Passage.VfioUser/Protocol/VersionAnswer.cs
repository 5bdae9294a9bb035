namespace Passage.VfioUser.Protocol;

/// <summary>A server's VERSION reply: the versions and capabilities both sides then use.</summary>
/// <param name="Major">The client's major (0).</param>
/// <param name="Minor">The lower of the two minors.</param>
/// <param name="Capabilities">What the server answers.</param>
public sealed record VersionAnswer(ushort Major, ushort Minor, VersionCapabilities Capabilities)
{
    /// <summary>The reply carries the twin socket's end as an fd (at <see cref="TwinSocketCapability.FdIndex"/>).</summary>
    public bool SendsTwinSocket => Capabilities.TwinSocket is { Supported: true };
}
