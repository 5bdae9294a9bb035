using System.Text;
using Passage.Host.Devices;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Protocol;

/// <summary>
/// The VERSION JSON (vfio-user.md §3): defaults, every capability, unknown keys ignored, and the
/// refusals — malformed JSON, non-integer numbers, wrong value types for known keys, max_msg_fds
/// beyond 1024 — plus Passage's offer as written.
/// </summary>
public sealed class VersionCapabilitiesTests
{
    [Fact]
    public void TryParse_Empty_Defaults()
    {
        Assert.True(VersionCapabilities.TryParse([], out VersionCapabilities capabilities, out Errno error));

        Assert.Equal(Errno.None, error);
        Assert.Equal(1, capabilities.MaxMsgFds);
        Assert.Equal(1048576ul, capabilities.MaxDataXferSize);
        Assert.Equal(65535ul, capabilities.MaxDmaMaps);
        Assert.Equal(4096ul, capabilities.PgSizes);
        Assert.Null(capabilities.TwinSocket);
        Assert.False(capabilities.WriteMultiple);
        Assert.Null(capabilities.Migration);
    }

    [Fact]
    public void TryParse_NoCapabilitiesKey_Defaults()
    {
        Assert.True(Parse("""{"other":[1,2,{"x":null}]}""", out VersionCapabilities capabilities));

        Assert.Equal(VersionCapabilities.Defaults, capabilities);
    }

    [Fact]
    public void TryParse_LibVfioUserAnswer_EveryValue()
    {
        Assert.True(Parse("""{"capabilities":{"max_msg_fds":8,"max_data_xfer_size":1048576,"migration":{"pgsize":4096},"twin_socket":{"supported":true,"fd_index":0}}}""", out VersionCapabilities capabilities));

        Assert.Equal(8, capabilities.MaxMsgFds);
        Assert.Equal(1048576ul, capabilities.MaxDataXferSize);
        Assert.Equal(new MigrationCapability(4096), capabilities.Migration);
        Assert.Equal(new TwinSocketCapability(true, 0), capabilities.TwinSocket);
    }

    [Fact]
    public void TryParse_EveryNumber_ReadAsGiven()
    {
        Assert.True(Parse("""{"capabilities":{"max_msg_fds":0,"max_data_xfer_size":18446744073709551615,"max_dma_maps":7,"pgsizes":2101248,"write_multiple":false}}""", out VersionCapabilities capabilities));

        Assert.Equal(0, capabilities.MaxMsgFds);
        Assert.Equal(ulong.MaxValue, capabilities.MaxDataXferSize);
        Assert.Equal(7ul, capabilities.MaxDmaMaps);
        Assert.Equal(0x20_1000ul, capabilities.PgSizes);
        Assert.False(capabilities.WriteMultiple);
    }

    [Fact]
    public void TryParse_UnknownKeysAtEveryLevel_Ignored()
    {
        const string json = """
            {"version":"x","capabilities":{"future":{"deep":[1,{"a":true}]},"max_msg_fds":4,
             "twin_socket":{"supported":true,"colour":"blue"},"migration":{"pgsize":8192,"max_bitmap_size":1}},"tail":null}
            """;

        Assert.True(Parse(json, out VersionCapabilities capabilities));

        Assert.Equal(4, capabilities.MaxMsgFds);
        Assert.Equal(new TwinSocketCapability(true), capabilities.TwinSocket);
        Assert.Equal(new MigrationCapability(8192), capabilities.Migration);
    }

    [Theory]
    [InlineData(1024)] // the largest allowed
    [InlineData(0)]
    public void TryParse_MaxMsgFdsInRange_Accepted(int fds)
    {
        Assert.True(Parse($$$"""{"capabilities":{"max_msg_fds":{{{fds}}}}}""", out VersionCapabilities capabilities));
        Assert.Equal(fds, capabilities.MaxMsgFds);
    }

    [Theory]
    [InlineData("""{"capabilities":{"max_msg_fds":1025}}""")] // beyond 1024
    [InlineData("""{"capabilities":{"max_msg_fds":-1}}""")] // negative
    [InlineData("""{"capabilities":{"max_msg_fds":1.0}}""")] // a fraction, even a whole one
    [InlineData("""{"capabilities":{"max_msg_fds":8e0}}""")] // an exponent
    [InlineData("""{"capabilities":{"max_data_xfer_size":1048576.5}}""")]
    [InlineData("""{"capabilities":{"max_data_xfer_size":18446744073709551616}}""")] // beyond u64
    [InlineData("""{"capabilities":{"pgsizes":-4096}}""")]
    [InlineData("""{"capabilities":{"twin_socket":{"supported":true,"fd_index":1.5}}}""")]
    [InlineData("""{"capabilities":{"twin_socket":{"supported":true,"fd_index":1024}}}""")] // no message carries that many fds
    [InlineData("""{"capabilities":{"migration":{"pgsize":4096.0}}}""")]
    public void TryParse_NumberNotAnIntegerInRange_Einval(string json)
    {
        Assert.False(Parse(json, out VersionCapabilities capabilities, out Errno error));
        Assert.Equal(Errno.EINVAL, error);
        Assert.Same(VersionCapabilities.Defaults, capabilities);
    }

    [Theory]
    [InlineData("""{"capabilities":{"max_msg_fds":"8"}}""")] // a string for a number
    [InlineData("""{"capabilities":{"max_dma_maps":null}}""")]
    [InlineData("""{"capabilities":{"pgsizes":[4096]}}""")]
    [InlineData("""{"capabilities":{"write_multiple":1}}""")] // a number for a boolean
    [InlineData("""{"capabilities":{"twin_socket":true}}""")] // a boolean for an object
    [InlineData("""{"capabilities":{"twin_socket":{"supported":"yes"}}}""")]
    [InlineData("""{"capabilities":{"migration":4096}}""")]
    [InlineData("""{"capabilities":[]}""")]
    [InlineData("""{"capabilities":null}""")]
    public void TryParse_KnownKeyWithOtherValueType_Einval(string json) =>
        Assert.False(Parse(json, out _));

    [Theory]
    [InlineData("{")] // unterminated
    [InlineData("[]")] // not an object
    [InlineData("42")]
    [InlineData("""{"capabilities":{}} {}""")] // a second document
    [InlineData("""{"capabilities":{},}""")] // trailing comma
    [InlineData("""{'capabilities':{}}""")] // not JSON quotes
    [InlineData("""{"capabilities":{"max_msg_fds":8}""")] // one brace short
    public void TryParse_MalformedJson_Einval(string json) =>
        Assert.False(Parse(json, out _));

    [Fact]
    public void TryParse_NestingBeyondDepth_Einval() =>
        Assert.False(Parse("""{"capabilities":{"x":[[[[[[[[[[1]]]]]]]]]]}}""", out _));

    [Fact]
    public void ToJson_PassageOffer_ExactText()
    {
        string json = Encoding.UTF8.GetString(VersionCapabilities.PassageOffer.ToJson());

        Assert.Equal("""{"capabilities":{"max_msg_fds":8,"max_data_xfer_size":1048576,"max_dma_maps":65535,"pgsizes":4096,"twin_socket":{"supported":true},"write_multiple":true}}""", json);
    }

    [Fact]
    public void ToJson_EveryCapability_ParsesBackEqual()
    {
        var capabilities = new VersionCapabilities
        {
            MaxMsgFds = 1024,
            MaxDataXferSize = 65536,
            MaxDmaMaps = 12,
            PgSizes = 0x1000 | 0x20_0000,
            TwinSocket = new TwinSocketCapability(true, 0),
            WriteMultiple = true,
            Migration = new MigrationCapability(4096),
        };

        Assert.True(VersionCapabilities.TryParse(capabilities.ToJson(), out VersionCapabilities parsed, out _));

        Assert.Equal(capabilities, parsed);
    }

    [Fact]
    public void ToJson_Defaults_OmitsAbsentCapabilities()
    {
        string json = Encoding.UTF8.GetString(VersionCapabilities.Defaults.ToJson());

        Assert.DoesNotContain("twin_socket", json, StringComparison.Ordinal);
        Assert.DoesNotContain("write_multiple", json, StringComparison.Ordinal);
        Assert.DoesNotContain("migration", json, StringComparison.Ordinal);
        Assert.Contains("\"max_msg_fds\":1", json, StringComparison.Ordinal);
    }

    private static bool Parse(string json, out VersionCapabilities capabilities) => Parse(json, out capabilities, out _);

    private static bool Parse(string json, out VersionCapabilities capabilities, out Errno error) =>
        VersionCapabilities.TryParse(Encoding.UTF8.GetBytes(json), out capabilities, out error);
}
