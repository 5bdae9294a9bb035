using System.Buffers.Binary;
using Passage.Host.Devices;

namespace Passage.VfioUser.Protocol;

/// <summary>
/// VERSION request and reply (vfio-user.md §3): major u16 at 0, minor u16 at 2, then optionally the
/// capabilities as UTF-8 JSON terminated by a NUL (the last payload byte, the only NUL).
/// </summary>
public readonly ref struct VfioUserVersion
{
    /// <summary>Size of major and minor.</summary>
    public const int HeadSize = 4;

    /// <summary>A payload with <paramref name="json"/> (without its NUL; empty for none).</summary>
    /// <exception cref="ArgumentException"><paramref name="json"/> contains a NUL.</exception>
    public VfioUserVersion(ushort major, ushort minor, ReadOnlySpan<byte> json = default)
    {
        if (json.Contains((byte)0))
        {
            throw new ArgumentException("the JSON must not contain a NUL", nameof(json));
        }

        Major = major;
        Minor = minor;
        Json = json;
    }

    /// <summary>Major version (0).</summary>
    public ushort Major { get; }

    /// <summary>Minor version.</summary>
    public ushort Minor { get; }

    /// <summary>The JSON without its NUL (a slice of the payload); empty when absent.</summary>
    public ReadOnlySpan<byte> Json { get; }

    /// <summary>The payload's size: head, JSON and its NUL.</summary>
    public int PayloadSize => HeadSize + (Json.IsEmpty ? 0 : Json.Length + 1);

    /// <summary>Reads a payload; EINVAL when it is shorter than 4 bytes, or has JSON whose only NUL is not its last byte.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out VfioUserVersion version, out Errno error)
    {
        version = default;
        error = Errno.EINVAL;
        if (payload.Length < HeadSize)
        {
            return false;
        }

        ReadOnlySpan<byte> json = payload[HeadSize..];
        if (!json.IsEmpty)
        {
            if (json[^1] != 0)
            {
                return false;
            }

            json = json[..^1];
            if (json.Contains((byte)0))
            {
                return false;
            }
        }

        version = new VfioUserVersion(BinaryPrimitives.ReadUInt16LittleEndian(payload), BinaryPrimitives.ReadUInt16LittleEndian(payload[2..]), json);
        error = Errno.None;
        return true;
    }

    /// <summary>Parses <see cref="Json"/> (defaults when absent); EINVAL as <see cref="VersionCapabilities.TryParse"/>.</summary>
    public bool TryReadCapabilities(out VersionCapabilities capabilities, out Errno error) =>
        VersionCapabilities.TryParse(Json, out capabilities, out error);

    /// <summary>Writes the payload (JSON followed by its NUL); returns its size.</summary>
    public int Write(Span<byte> destination)
    {
        VfioUserWire.EnsureRoom(destination, PayloadSize);
        BinaryPrimitives.WriteUInt16LittleEndian(destination, Major);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], Minor);
        if (!Json.IsEmpty)
        {
            Json.CopyTo(destination[HeadSize..]);
            destination[HeadSize + Json.Length] = 0;
        }

        return PayloadSize;
    }
}
