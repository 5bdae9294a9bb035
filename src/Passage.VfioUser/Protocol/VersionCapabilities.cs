using System.Buffers;
using System.Text.Json;
using Passage.Host.Devices;

namespace Passage.VfioUser.Protocol;

/// <summary>
/// The capabilities of a VERSION message (vfio-user.md §3): <c>{"capabilities": {…}}</c> as UTF-8
/// JSON. Read with <see cref="Utf8JsonReader"/> and written with <see cref="Utf8JsonWriter"/>, no
/// reflection. Absent keys take the protocol's defaults; unknown keys are ignored; a known key with
/// a value of another type, a number that is not a non-negative integer, or <c>max_msg_fds</c>
/// above 1024 refuses the whole message.
/// </summary>
public sealed record VersionCapabilities
{
    /// <summary>Default <c>max_msg_fds</c>.</summary>
    public const int DefaultMaxMsgFds = 1;

    /// <summary>Default <c>max_data_xfer_size</c>, 1 MiB.</summary>
    public const ulong DefaultMaxDataXferSize = 1048576;

    /// <summary>Default <c>max_dma_maps</c>.</summary>
    public const ulong DefaultMaxDmaMaps = 65535;

    /// <summary>Default <c>pgsizes</c>, 4 KiB pages.</summary>
    public const ulong DefaultPgSizes = 4096;

    /// <summary>The nesting the JSON may have: the document, the capabilities and one object inside (twin_socket, migration), with room for ignored keys.</summary>
    private const int MaxDepth = 8;

    /// <summary>The defaults: what a VERSION without JSON means.</summary>
    public static VersionCapabilities Defaults { get; } = new();

    /// <summary>
    /// Passage's offer: 8 fds per message, 1 MiB transfers, twin socket, write_multiple (and the
    /// default DMA limits).
    /// </summary>
    public static VersionCapabilities PassageOffer { get; } = new()
    {
        MaxMsgFds = VfioUserLimits.PassageMaxMsgFds,
        MaxDataXferSize = VfioUserLimits.MaxDataTransfer,
        TwinSocket = new TwinSocketCapability(true),
        WriteMultiple = true,
    };

    /// <summary>Fds the sender can receive per message (0–1024).</summary>
    public int MaxMsgFds { get; init; } = DefaultMaxMsgFds;

    /// <summary>The largest count of one region or DMA access the sender accepts.</summary>
    public ulong MaxDataXferSize { get; init; } = DefaultMaxDataXferSize;

    /// <summary>Simultaneous DMA windows.</summary>
    public ulong MaxDmaMaps { get; init; } = DefaultMaxDmaMaps;

    /// <summary>DMA page sizes, ORed.</summary>
    public ulong PgSizes { get; init; } = DefaultPgSizes;

    /// <summary>The twin socket capability; null when not mentioned (unsupported).</summary>
    public TwinSocketCapability? TwinSocket { get; init; }

    /// <summary>REGION_WRITE_MULTI is supported.</summary>
    public bool WriteMultiple { get; init; }

    /// <summary>libvfio-user's migration capability; null when not mentioned.</summary>
    public MigrationCapability? Migration { get; init; }

    private static ReadOnlySpan<byte> CapabilitiesKey => "capabilities"u8;

    private static ReadOnlySpan<byte> MaxMsgFdsKey => "max_msg_fds"u8;

    private static ReadOnlySpan<byte> MaxDataXferSizeKey => "max_data_xfer_size"u8;

    private static ReadOnlySpan<byte> MaxDmaMapsKey => "max_dma_maps"u8;

    private static ReadOnlySpan<byte> PgSizesKey => "pgsizes"u8;

    private static ReadOnlySpan<byte> TwinSocketKey => "twin_socket"u8;

    private static ReadOnlySpan<byte> SupportedKey => "supported"u8;

    private static ReadOnlySpan<byte> FdIndexKey => "fd_index"u8;

    private static ReadOnlySpan<byte> WriteMultipleKey => "write_multiple"u8;

    private static ReadOnlySpan<byte> MigrationKey => "migration"u8;

    private static ReadOnlySpan<byte> PgSizeKey => "pgsize"u8;

    /// <summary>
    /// Parses the JSON of a VERSION payload (without its NUL; empty means the defaults); EINVAL for
    /// malformed JSON, a document that is not an object, a known key with a value of another type,
    /// a number that is not a non-negative integer or does not fit, <c>max_msg_fds</c> outside
    /// 0..1024, or a twin socket fd index of 1024 or more.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> json, out VersionCapabilities capabilities, out Errno error)
    {
        capabilities = Defaults;
        error = Errno.EINVAL;
        if (json.IsEmpty)
        {
            error = Errno.None;
            return true;
        }

        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxDepth });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            VersionCapabilities parsed = Defaults;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isCapabilities = reader.ValueTextEquals(CapabilitiesKey);
                reader.Read();
                if (!isCapabilities)
                {
                    reader.Skip();
                }
                else if (!TryParseCapabilities(ref reader, out parsed))
                {
                    return false;
                }
            }

            // The reader refuses anything but whitespace after the document.
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return false;
            }

            capabilities = parsed;
            error = Errno.None;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The capabilities as UTF-8 JSON (without a NUL): every number, and twin_socket, write_multiple and migration when present.</summary>
    public byte[] ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject(CapabilitiesKey);
            writer.WriteNumber(MaxMsgFdsKey, MaxMsgFds);
            writer.WriteNumber(MaxDataXferSizeKey, MaxDataXferSize);
            writer.WriteNumber(MaxDmaMapsKey, MaxDmaMaps);
            writer.WriteNumber(PgSizesKey, PgSizes);
            if (TwinSocket is not null)
            {
                writer.WriteStartObject(TwinSocketKey);
                writer.WriteBoolean(SupportedKey, TwinSocket.Supported);
                if (TwinSocket.FdIndex is int index)
                {
                    writer.WriteNumber(FdIndexKey, index);
                }

                writer.WriteEndObject();
            }

            if (WriteMultiple)
            {
                writer.WriteBoolean(WriteMultipleKey, true);
            }

            if (Migration is not null)
            {
                writer.WriteStartObject(MigrationKey);
                writer.WriteNumber(PgSizeKey, Migration.PgSize);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static bool TryParseCapabilities(ref Utf8JsonReader reader, out VersionCapabilities capabilities)
    {
        capabilities = Defaults;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        int maxMsgFds = DefaultMaxMsgFds;
        ulong maxDataXferSize = DefaultMaxDataXferSize, maxDmaMaps = DefaultMaxDmaMaps, pgSizes = DefaultPgSizes;
        bool writeMultiple = false;
        TwinSocketCapability? twinSocket = null;
        MigrationCapability? migration = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool ok;
            if (reader.ValueTextEquals(MaxMsgFdsKey))
            {
                ok = TryReadInteger(ref reader, VfioUserLimits.MaxMsgFdsBound, out ulong value);
                maxMsgFds = (int)value;
            }
            else if (reader.ValueTextEquals(MaxDataXferSizeKey))
            {
                ok = TryReadInteger(ref reader, ulong.MaxValue, out maxDataXferSize);
            }
            else if (reader.ValueTextEquals(MaxDmaMapsKey))
            {
                ok = TryReadInteger(ref reader, ulong.MaxValue, out maxDmaMaps);
            }
            else if (reader.ValueTextEquals(PgSizesKey))
            {
                ok = TryReadInteger(ref reader, ulong.MaxValue, out pgSizes);
            }
            else if (reader.ValueTextEquals(TwinSocketKey))
            {
                ok = TryReadTwinSocket(ref reader, out twinSocket);
            }
            else if (reader.ValueTextEquals(WriteMultipleKey))
            {
                ok = TryReadBoolean(ref reader, out writeMultiple);
            }
            else if (reader.ValueTextEquals(MigrationKey))
            {
                ok = TryReadMigration(ref reader, out migration);
            }
            else
            {
                reader.Read();
                reader.Skip();
                ok = true;
            }

            if (!ok)
            {
                return false;
            }
        }

        capabilities = new VersionCapabilities
        {
            MaxMsgFds = maxMsgFds,
            MaxDataXferSize = maxDataXferSize,
            MaxDmaMaps = maxDmaMaps,
            PgSizes = pgSizes,
            TwinSocket = twinSocket,
            WriteMultiple = writeMultiple,
            Migration = migration,
        };
        return true;
    }

    private static bool TryReadTwinSocket(ref Utf8JsonReader reader, out TwinSocketCapability? twinSocket)
    {
        twinSocket = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        bool supported = false;
        int? fdIndex = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(SupportedKey))
            {
                if (!TryReadBoolean(ref reader, out supported))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals(FdIndexKey))
            {
                if (!TryReadInteger(ref reader, VfioUserLimits.MaxMsgFdsBound - 1, out ulong index))
                {
                    return false;
                }

                fdIndex = (int)index;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        twinSocket = new TwinSocketCapability(supported, fdIndex);
        return true;
    }

    private static bool TryReadMigration(ref Utf8JsonReader reader, out MigrationCapability? migration)
    {
        migration = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        ulong pgSize = DefaultPgSizes;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(PgSizeKey))
            {
                if (!TryReadInteger(ref reader, ulong.MaxValue, out pgSize))
                {
                    return false;
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        migration = new MigrationCapability(pgSize);
        return true;
    }

    /// <summary>Moves to the value and reads a non-negative integer literal of at most <paramref name="max"/>: no sign, fraction or exponent.</summary>
    private static bool TryReadInteger(ref Utf8JsonReader reader, ulong max, out ulong value)
    {
        value = 0;
        if (!reader.Read() || reader.TokenType != JsonTokenType.Number)
        {
            return false;
        }

        foreach (byte b in reader.ValueSpan)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
        }

        return reader.TryGetUInt64(out value) && value <= max;
    }

    private static bool TryReadBoolean(ref Utf8JsonReader reader, out bool value)
    {
        value = false;
        if (!reader.Read() || reader.TokenType is not (JsonTokenType.True or JsonTokenType.False))
        {
            return false;
        }

        value = reader.TokenType == JsonTokenType.True;
        return true;
    }
}
