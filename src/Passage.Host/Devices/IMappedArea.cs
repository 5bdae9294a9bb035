namespace Passage.Host.Devices;

/// <summary>A shared mapping of one mappable area of a region; disposing it unmaps.</summary>
public interface IMappedArea : IDisposable
{
    /// <summary>Offset of the area within its region.</summary>
    ulong Offset { get; }

    /// <summary>Length of the area in bytes.</summary>
    ulong Size { get; }

    /// <summary>The mapped bytes; throws <see cref="ObjectDisposedException"/> once unmapped or revoked.</summary>
    Span<byte> Span { get; }
}
