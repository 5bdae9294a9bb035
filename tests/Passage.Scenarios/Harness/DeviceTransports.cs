namespace Passage.Scenarios.Harness;

/// <summary>The transports every scenario runs over, by name (scenario parameters are names so that test cases stay readable and serialisable).</summary>
internal static class DeviceTransports
{
    /// <summary>Every transport.</summary>
    public static IReadOnlyList<IDeviceTransport> All { get; } = [InProcessTransport.Instance, VfioUserTransport.Instance];

    /// <summary>Their names.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(t => t.Name)];

    /// <summary>The transport called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No transport has that name.</exception>
    public static IDeviceTransport Named(string name) =>
        All.FirstOrDefault(t => t.Name == name) ?? throw new ArgumentException($"no transport called '{name}'", nameof(name));
}
