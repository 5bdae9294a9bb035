using System.Text;
using Passage.Host.Devices;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Protocol;

/// <summary>The VERSION payload (vfio-user.md §3): major, minor, then optional JSON terminated by its only NUL.</summary>
public sealed class VfioUserVersionTests
{
    [Fact]
    public void Write_WithJson_VersionsThenJsonThenNul()
    {
        byte[] json = "{\"a\":1}"u8.ToArray();
        var version = new VfioUserVersion(0, 2, json);
        byte[] bytes = new byte[version.PayloadSize];

        Assert.Equal(12, version.Write(bytes));

        Assert.Equal(0, Wire.U16(bytes, 0));
        Assert.Equal(2, Wire.U16(bytes, 2));
        Assert.Equal(json, bytes[4..11]);
        Assert.Equal(0, bytes[11]);
        Assert.True(VfioUserVersion.TryRead(bytes, out VfioUserVersion read, out _));
        Assert.Equal(2, read.Minor);
        Assert.Equal(json, read.Json.ToArray());
    }

    [Fact]
    public void Write_WithoutJson_FourBytes()
    {
        byte[] bytes = new byte[4];

        Assert.Equal(4, new VfioUserVersion(0, 1).Write(bytes));

        Assert.Equal(new byte[] { 0, 0, 1, 0 }, bytes);
        Assert.True(VfioUserVersion.TryRead(bytes, out VfioUserVersion read, out _));
        Assert.True(read.Json.IsEmpty);
        Assert.True(read.TryReadCapabilities(out VersionCapabilities capabilities, out _));
        Assert.Same(VersionCapabilities.Defaults, capabilities);
    }

    [Fact]
    public void TryRead_JsonWithoutNul_Einval()
    {
        byte[] bytes = [0, 0, 2, 0, .. "{\"capabilities\":{}}"u8];

        Assert.False(VfioUserVersion.TryRead(bytes, out _, out Errno error));
        Assert.Equal(Errno.EINVAL, error);
    }

    [Fact]
    public void TryRead_NulInsideJson_Einval()
    {
        byte[] bytes = [0, 0, 2, 0, .. "{}"u8, 0, .. "{}"u8, 0];

        Assert.False(VfioUserVersion.TryRead(bytes, out _, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)] // short of the two versions
    public void TryRead_ShorterThanVersions_Einval(int length) =>
        Assert.False(VfioUserVersion.TryRead(new byte[length], out _, out _));

    [Fact]
    public void TryReadCapabilities_QemuOffer_Parsed()
    {
        byte[] json = Encoding.UTF8.GetBytes("""{"capabilities":{"max_msg_fds":16,"max_data_xfer_size":1048576,"pgsizes":4096,"max_dma_maps":65535,"write_multiple":true,"migration":{"pgsize":4096,"max_bitmap_size":1048576}}}""");
        byte[] bytes = new byte[4 + json.Length + 1];
        new VfioUserVersion(0, 0, json).Write(bytes);
        VfioUserVersion.TryRead(bytes, out VfioUserVersion version, out _);

        Assert.True(version.TryReadCapabilities(out VersionCapabilities capabilities, out _));

        Assert.Equal(16, capabilities.MaxMsgFds);
        Assert.True(capabilities.WriteMultiple);
        Assert.Equal(new MigrationCapability(4096), capabilities.Migration);
        Assert.Null(capabilities.TwinSocket);
    }

    [Fact]
    public void Constructor_JsonWithNul_Throws() =>
        Assert.Throws<ArgumentException>(() => new VfioUserVersion(0, 2, [(byte)'{', 0, (byte)'}']));
}
