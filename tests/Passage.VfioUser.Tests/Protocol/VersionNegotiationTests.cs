using Passage.Host.Devices;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Protocol;

/// <summary>
/// VERSION negotiation (vfio-user.md §3): the server's answer keeps the major, takes the lower
/// minor and a subset of the offer, and takes the twin socket only when offered; the client's check
/// refuses answers it cannot use.
/// </summary>
public sealed class VersionNegotiationTests
{
    private static readonly VersionCapabilities QemuOffer = new()
    {
        MaxMsgFds = 16,
        MaxDataXferSize = 1048576,
        PgSizes = 4096,
        MaxDmaMaps = 65535,
        WriteMultiple = true,
        Migration = new MigrationCapability(4096),
    };

    [Fact]
    public void TryAnswer_PassageClient_Minor2WithTwinSocketAtIndex0()
    {
        Assert.True(VersionNegotiation.TryAnswer(0, 2, VersionCapabilities.PassageOffer, VersionCapabilities.PassageOffer, out VersionAnswer? answer, out Errno error));

        Assert.Equal(Errno.None, error);
        Assert.Equal(0, answer!.Major);
        Assert.Equal(2, answer.Minor);
        Assert.Equal(new TwinSocketCapability(true, 0), answer.Capabilities.TwinSocket);
        Assert.True(answer.SendsTwinSocket);
        Assert.True(answer.Capabilities.WriteMultiple);
        Assert.Equal(8, answer.Capabilities.MaxMsgFds);
    }

    [Fact]
    public void TryAnswer_QemuClient_Minor0NoTwinSocketNoMigration()
    {
        Assert.True(VersionNegotiation.TryAnswer(0, 0, QemuOffer, VersionCapabilities.PassageOffer, out VersionAnswer? answer, out _));

        Assert.Equal(0, answer!.Minor);
        Assert.Null(answer.Capabilities.TwinSocket);
        Assert.False(answer.SendsTwinSocket);
        Assert.Null(answer.Capabilities.Migration); // Passage implements none
        Assert.Equal(8, answer.Capabilities.MaxMsgFds); // what the server can receive: within QEMU's 16
        Assert.Equal(1048576ul, answer.Capabilities.MaxDataXferSize);
        Assert.True(answer.Capabilities.WriteMultiple);
    }

    [Fact]
    public void TryAnswer_ClientLimitsBelowServers_AnswerTakesTheLower()
    {
        var offer = new VersionCapabilities { MaxDataXferSize = 4096, MaxDmaMaps = 3, PgSizes = 0x1000 | 0x20_0000 };

        Assert.True(VersionNegotiation.TryAnswer(0, 2, offer, VersionCapabilities.PassageOffer, out VersionAnswer? answer, out _));

        Assert.Equal(4096ul, answer!.Capabilities.MaxDataXferSize);
        Assert.Equal(3ul, answer.Capabilities.MaxDmaMaps);
        Assert.Equal(0x1000ul, answer.Capabilities.PgSizes); // the sizes both have
        Assert.False(answer.Capabilities.WriteMultiple); // not offered
    }

    [Theory]
    [InlineData((ushort)3, (ushort)2)] // a newer client: the server's minor
    [InlineData((ushort)1, (ushort)1)]
    public void TryAnswer_ClientMinor_AnswerIsTheLower(ushort clientMinor, ushort expected)
    {
        Assert.True(VersionNegotiation.TryAnswer(0, clientMinor, VersionCapabilities.Defaults, VersionCapabilities.PassageOffer, out VersionAnswer? answer, out _));
        Assert.Equal(expected, answer!.Minor);
    }

    [Fact]
    public void TryAnswer_TwinSocketOfferedAtAnotherIndex_AnsweredWithThatIndex()
    {
        Assert.True(VersionNegotiation.TryAnswer(0, 2, VersionCapabilities.PassageOffer, VersionCapabilities.PassageOffer, out VersionAnswer? answer, out _, twinSocketFdIndex: 3));
        Assert.Equal(3, answer!.Capabilities.TwinSocket!.FdIndex);
    }

    [Fact]
    public void TryAnswer_TwinSocketOfferedFalse_Declined()
    {
        var offer = new VersionCapabilities { TwinSocket = new TwinSocketCapability(false) };

        Assert.True(VersionNegotiation.TryAnswer(0, 2, offer, VersionCapabilities.PassageOffer, out VersionAnswer? answer, out _));
        Assert.False(answer!.SendsTwinSocket);
    }

    [Theory]
    [InlineData((ushort)1, 4096ul, 1048576ul)] // another major
    [InlineData((ushort)0, 0x20_0000ul, 1048576ul)] // no page size in common
    [InlineData((ushort)0, 4096ul, 0ul)] // no transfer at all
    public void TryAnswer_CannotAgree_Einval(ushort major, ulong pgSizes, ulong maxDataXferSize)
    {
        var offer = new VersionCapabilities { PgSizes = pgSizes, MaxDataXferSize = maxDataXferSize };

        Assert.False(VersionNegotiation.TryAnswer(major, 2, offer, VersionCapabilities.PassageOffer, out VersionAnswer? answer, out Errno error));

        Assert.Null(answer);
        Assert.Equal(Errno.EINVAL, error);
    }

    [Theory]
    [InlineData(true, 0, 1, Errno.None)] // accepted: one fd at index 0
    [InlineData(false, null, 0, Errno.None)] // declined: no fd
    [InlineData(true, null, 1, Errno.EINVAL)] // accepted without an index
    [InlineData(true, 1, 1, Errno.EINVAL)] // index beyond the fds received
    [InlineData(true, 0, 0, Errno.EINVAL)] // accepted but no fd came
    [InlineData(false, null, 1, Errno.EINVAL)] // an fd without a twin socket
    public void CheckAnswer_TwinSocket_UsableOrClose(bool supported, int? fdIndex, int fds, Errno expected)
    {
        var answer = new VersionCapabilities { TwinSocket = supported ? new TwinSocketCapability(true, fdIndex) : null };

        Assert.Equal(expected, VersionNegotiation.CheckAnswer(2, VersionCapabilities.PassageOffer, 0, 2, answer, fds));
    }

    [Fact]
    public void CheckAnswer_TwinSocketNotOffered_Einval()
    {
        var answer = new VersionCapabilities { TwinSocket = new TwinSocketCapability(true, 0) };

        Assert.Equal(Errno.EINVAL, VersionNegotiation.CheckAnswer(2, VersionCapabilities.Defaults, 0, 2, answer, 1));
    }

    [Theory]
    [InlineData((ushort)0, (ushort)3, Errno.EINVAL)] // minor above the offer
    [InlineData((ushort)1, (ushort)2, Errno.EINVAL)] // another major
    [InlineData((ushort)0, (ushort)0, Errno.None)] // a lower minor is fine
    public void CheckAnswer_Versions_NoHigherThanOffered(ushort major, ushort minor, Errno expected) =>
        Assert.Equal(expected, VersionNegotiation.CheckAnswer(2, VersionCapabilities.PassageOffer, major, minor, VersionCapabilities.Defaults, 0));

    [Fact]
    public void CheckAnswer_LibVfioUserAnswerParsed_Accepted()
    {
        byte[] json = """{"capabilities":{"max_msg_fds":8,"max_data_xfer_size":1048576,"twin_socket":{"supported":true,"fd_index":0}}}"""u8.ToArray();
        Assert.True(VersionCapabilities.TryParse(json, out VersionCapabilities answer, out _));

        Assert.Equal(Errno.None, VersionNegotiation.CheckAnswer(2, VersionCapabilities.PassageOffer, 0, 2, answer, 1));
    }
}
