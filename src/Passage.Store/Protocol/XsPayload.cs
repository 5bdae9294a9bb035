using System.Buffers;

namespace Passage.Store.Protocol;

/// <summary>
/// The payload conventions of store.md §1: fields are NUL-terminated strings, except a value (WRITE
/// request, READ reply) which runs raw to the end. Readers walk a span and never allocate.
/// </summary>
public static class XsPayload
{
    /// <summary>
    /// Takes the next NUL-terminated field off the front of <paramref name="remaining"/>: on success
    /// <paramref name="field"/> is its bytes without the NUL and <paramref name="remaining"/> starts
    /// after the NUL. False, and nothing taken, when no NUL is left.
    /// </summary>
    public static bool TryReadField(ref ReadOnlySpan<byte> remaining, out ReadOnlySpan<byte> field)
    {
        int nul = remaining.IndexOf((byte)0);
        if (nul < 0)
        {
            field = default;
            return false;
        }

        field = remaining[..nul];
        remaining = remaining[(nul + 1)..];
        return true;
    }

    /// <summary>How many NUL-terminated fields <paramref name="payload"/> holds (bytes after the last NUL are not a field).</summary>
    public static int CountFields(ReadOnlySpan<byte> payload) => payload.Count((byte)0);

    /// <summary>Writes <paramref name="field"/> and its NUL at the start of <paramref name="destination"/>; returns the bytes written.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public static int WriteField(Span<byte> destination, ReadOnlySpan<byte> field)
    {
        if (destination.Length < field.Length + 1)
        {
            throw new ArgumentException("destination too short for the field and its NUL", nameof(destination));
        }

        field.CopyTo(destination);
        destination[field.Length] = 0;
        return field.Length + 1;
    }

    /// <summary>Writes <paramref name="field"/> and its NUL to <paramref name="output"/>.</summary>
    public static void WriteField(IBufferWriter<byte> output, ReadOnlySpan<byte> field)
    {
        ArgumentNullException.ThrowIfNull(output);
        Span<byte> span = output.GetSpan(field.Length + 1);
        WriteField(span, field);
        output.Advance(field.Length + 1);
    }
}
