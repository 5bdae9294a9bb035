using Passage.Host.Devices;

namespace Passage.Host.Policy;

/// <summary>The function's real config space as the policy reaches it: whole accesses or an errno.</summary>
public interface IConfigHardware
{
    /// <summary>Reads <paramref name="data"/>.Length bytes at <paramref name="offset"/>.</summary>
    Errno Read(int offset, Span<byte> data);

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/>.</summary>
    Errno Write(int offset, ReadOnlySpan<byte> data);
}
