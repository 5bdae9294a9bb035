namespace Passage.Cli.Json;

/// <summary><c>passage vfio-user probe --json</c>: the remote device as its server describes it.</summary>
internal sealed class VfioUserProbeJson
{
    public string Socket { get; set; } = string.Empty;

    /// <summary>The protocol version agreed, <c>major.minor</c>.</summary>
    public string Version { get; set; } = string.Empty;

    public int MaxMsgFds { get; set; }

    public ulong MaxDataXferSize { get; set; }

    public bool TwinSocket { get; set; }

    public DeviceInfoJson Device { get; set; } = new();

    /// <summary>The config space read over the socket, decoded as <c>pci show</c> decodes it.</summary>
    public FunctionJson Config { get; set; } = new();
}
