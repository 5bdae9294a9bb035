using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Client;

/// <summary>DMA windows (vfio-user.md §4, §8 rules 6 and 7): DMA_MAP with and without an fd, the server's DMA_READ/DMA_WRITE answered from client memory on the twin socket or in place, DMA_UNMAP.</summary>
public sealed class VfioUserClientDmaTests : IDisposable
{
    private const ulong Window = 0x2000_0000;
    private const int WindowSize = 64 * 1024;

    private readonly List<IDisposable> _owned = [];

    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }
    }

    [Theory]
    [InlineData(true, 3u)] // read and write
    [InlineData(false, 1u)] // read only
    public void MapDma_MemFd_SendsDmaMapWithTheMemorysFd(bool writable, uint flags)
    {
        ClientHarness harness = Start();
        MemFdMemory memory = Own(MemFdMemory.Create(WindowSize, "guest-ram"));
        memory.Span[0x123] = 0x77;

        harness.Client.MapDma(Window, memory, writable);

        PeerRequest map = Assert.Single(harness.Peer.RequestsOf(VfioUserCommand.DmaMap));
        Assert.Equal(Expected(flags, 0, Window, WindowSize), map.Payload);
        FileDescriptorHandle fd = Assert.Single(map.Fds);

        // The server maps what it got: the client's memory, both ways.
        using MappedArea seen = MappedArea.Map(fd, 0, WindowSize, writable: true, 0);
        Assert.Equal(0x77, seen.Span[0x123]);
        seen.Span[0x456] = 0x99;
        Assert.Equal(0x99, memory.Span[0x456]);
        Assert.Equal(1, harness.Client.DmaWindowCount);
    }

    [Fact]
    public void MapDma_FileRange_SendsTheOffsetInTheFile()
    {
        ClientHarness harness = Start();
        MemFdMemory memory = Own(MemFdMemory.Create(4 * 4096));
        using FileDescriptorHandle fd = memory.DuplicateDescriptor();

        harness.Client.MapDma(Window, fd, 4096, 8192);

        PeerRequest map = Assert.Single(harness.Peer.RequestsOf(VfioUserCommand.DmaMap));
        Assert.Equal(Expected(3, 4096, Window, 8192), map.Payload);
        Assert.Single(map.Fds);
        Assert.False(fd.IsClosed);
    }

    [Fact]
    public void MapDma_Memory_SendsDmaMapWithoutAnFd()
    {
        ClientHarness harness = Start();

        harness.Client.MapDma(Window, new byte[WindowSize], writable: false);

        PeerRequest map = Assert.Single(harness.Peer.RequestsOf(VfioUserCommand.DmaMap));
        Assert.Equal(Expected(1, 0, Window, WindowSize), map.Payload);
        Assert.Empty(map.Fds);
    }

    [Fact]
    public void DmaWrite_OnTheTwinSocket_StoresIntoClientMemoryAndRepliesWithExactlyTheSixteenByteEcho()
    {
        ClientHarness harness = Start();
        byte[] memory = new byte[WindowSize];
        harness.Client.MapDma(Window, memory);
        byte[] data = [.. Enumerable.Range(0, 300).Select(i => (byte)(i * 3))];

        PeerMessage? reply = harness.Peer.CallClient(VfioUserCommand.DmaWrite, DmaWrite(Window + 0x10, data));

        Assert.NotNull(reply);
        Assert.Equal((VfioUserCommand.DmaWrite, false, 16u + 16u), (reply.Header.Command, reply.Header.IsError, reply.Header.MessageSize));
        Assert.Equal(DmaHead(Window + 0x10, 300), reply.Payload);
        Assert.Equal(data, memory[0x10..(0x10 + 300)]);
        Assert.All(memory[..0x10], b => Assert.Equal(0, b));
        Assert.Equal(0, memory[0x10 + 300]);
    }

    [Fact]
    public void DmaRead_OnTheTwinSocket_RepliesWithTheHeadAndClientMemory()
    {
        ClientHarness harness = Start();
        byte[] memory = [.. Enumerable.Range(0, WindowSize).Select(i => (byte)(i ^ (i >> 8)))];
        harness.Client.MapDma(Window, memory, writable: false);

        PeerMessage? reply = harness.Peer.CallClient(VfioUserCommand.DmaRead, DmaHead(Window + 0x1000, 0x2000));

        Assert.NotNull(reply);
        Assert.False(reply.Header.IsError);
        Assert.Equal(DmaHead(Window + 0x1000, 0x2000), reply.Payload[..16]);
        Assert.Equal(memory[0x1000..0x3000], reply.Payload[16..]);
    }

    [Fact]
    public void DmaRead_WholeMiB_ServedInOneReply()
    {
        ClientHarness harness = Start();
        byte[] memory = [.. Enumerable.Range(0, 1024 * 1024).Select(i => (byte)(i * 13))];
        harness.Client.MapDma(Window, memory);

        PeerMessage? reply = harness.Peer.CallClient(VfioUserCommand.DmaRead, DmaHead(Window, (ulong)memory.Length));

        Assert.NotNull(reply);
        Assert.Equal(16 + memory.Length, reply.Payload.Length);
        Assert.True(reply.Payload.AsSpan(16).SequenceEqual(memory));
    }

    [Theory]
    [InlineData(VfioUserCommand.DmaRead, Window - 1, 4u, Errno.EINVAL)] // starts before the window
    [InlineData(VfioUserCommand.DmaRead, Window + WindowSize - 8, 16u, Errno.EINVAL)] // runs past its end
    [InlineData(VfioUserCommand.DmaRead, 0x1000UL, 4u, Errno.EINVAL)] // no window there
    [InlineData(VfioUserCommand.DmaWrite, Window + 0x100, 4u, Errno.EPERM)] // the device may only read it
    [InlineData(VfioUserCommand.DmaWrite, Window + WindowSize, 4u, Errno.EINVAL)] // just past the end
    [InlineData(VfioUserCommand.DmaRead, 0x4000_0000UL, 4u, Errno.EINVAL)] // a window the server got an fd for
    public void DmaAccess_OutsideWhatMayBeServed_FailureReplyAndMemoryUntouched(VfioUserCommand command, ulong address, uint count, Errno errno)
    {
        ClientHarness harness = Start();
        byte[] memory = new byte[WindowSize];
        harness.Client.MapDma(Window, memory, writable: false);
        harness.Client.MapDma(0x4000_0000, Own(MemFdMemory.Create(4096)));
        byte[] payload = command == VfioUserCommand.DmaWrite ? DmaWrite(address, Enumerable.Repeat((byte)0xEE, (int)count).ToArray()) : DmaHead(address, count);

        PeerMessage? reply = harness.Peer.CallClient(command, payload);

        Assert.NotNull(reply);
        Assert.Equal((true, 16u), (reply.Header.IsError, reply.Header.MessageSize));
        Assert.Equal(errno, VfioUserErrorReply.ErrnoOf(reply.Header));
        Assert.All(memory, b => Assert.Equal(0, b));
        Assert.False(harness.Client.IsLost);
    }

    [Fact]
    public void DmaRead_CarryingAnFd_EinvalAndTheFdClosed()
    {
        ClientHarness harness = Start();
        harness.Client.MapDma(Window, new byte[WindowSize]);
        MemFdMemory stray = Own(MemFdMemory.Create(4096, "stray"));
        int before = DescriptorsOf("memfd:stray");

        PeerMessage? reply = harness.Peer.CallClient(VfioUserCommand.DmaRead, DmaHead(Window, 4), stray.Fd);

        Assert.Equal((true, Errno.EINVAL), (reply!.Header.IsError, VfioUserErrorReply.ErrnoOf(reply.Header)));
        Assert.Equal((1, 1), (before, DescriptorsOf("memfd:stray")));
    }

    [Fact]
    public void DmaAccess_WithoutTwinSocket_ServedInPlaceWhileTheClientWaitsForItsReply()
    {
        var answers = new List<PeerMessage?>();
        ClientHarness harness = Start(new PeerScript
        {
            GrantTwinSocket = false,
            Override = request =>
            {
                if (request.Command != VfioUserCommand.RegionRead)
                {
                    return null;
                }

                // Before answering the read, the device writes and reads client memory, as a DMA engine does.
                answers.Add(request.Peer.CallClient(VfioUserCommand.DmaWrite, DmaWrite(Window + 8, [1, 2, 3, 4])));
                answers.Add(request.Peer.CallClient(VfioUserCommand.DmaRead, DmaHead(Window, 16)));
                return null;
            },
        });
        byte[] memory = new byte[WindowSize];
        memory[0] = 0xAB;
        harness.Client.MapDma(Window, memory);
        byte[] config = new byte[4];

        Assert.Equal(Errno.None, harness.Client.Read(VfioRegion.Config, 0, config));

        Assert.Equal(PeerRegion.Pattern(VfioRegion.Config, 0), config[0]);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, memory[8..12]);
        Assert.Equal(2, answers.Count);
        Assert.Equal(DmaHead(Window + 8, 4), answers[0]!.Payload);
        Assert.Equal([.. DmaHead(Window, 16), 0xAB, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0], answers[1]!.Payload);
    }

    [Fact]
    public void MapDma_OverlappingAWindow_EexistWithoutARequest()
    {
        ClientHarness harness = Start();
        harness.Client.MapDma(Window, new byte[WindowSize]);

        var error = Assert.Throws<HostDeviceException>(() => harness.Client.MapDma(Window + WindowSize - 1, new byte[16]));

        Assert.Equal(Errno.EEXIST, error.Errno);
        Assert.Single(harness.Peer.RequestsOf(VfioUserCommand.DmaMap));
    }

    [Fact]
    public void MapDma_ServerRefuses_ThrowsItsErrnoAndTheWindowIsNotServed()
    {
        ClientHarness harness = Start(new PeerScript { Override = r => r.Command == VfioUserCommand.DmaMap ? PeerReply.Fail(Errno.ENOMEM) : null });

        var error = Assert.Throws<HostDeviceException>(() => harness.Client.MapDma(Window, new byte[WindowSize]));

        Assert.Equal(Errno.ENOMEM, error.Errno);
        Assert.Equal(0, harness.Client.DmaWindowCount);
        PeerMessage? reply = harness.Peer.CallClient(VfioUserCommand.DmaRead, DmaHead(Window, 4));
        Assert.Equal(Errno.EINVAL, VfioUserErrorReply.ErrnoOf(reply!.Header));
    }

    [Fact]
    public void UnmapDma_SendsTheWindowAndStopsServingIt()
    {
        ClientHarness harness = Start();
        harness.Client.MapDma(Window, new byte[WindowSize]);

        harness.Client.UnmapDma(Window, WindowSize);

        PeerRequest unmap = Assert.Single(harness.Peer.RequestsOf(VfioUserCommand.DmaUnmap));
        byte[] expected = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(expected, 24);
        BinaryPrimitives.WriteUInt64LittleEndian(expected.AsSpan(8), Window);
        BinaryPrimitives.WriteUInt64LittleEndian(expected.AsSpan(16), WindowSize);
        Assert.Equal(expected, unmap.Payload);
        Assert.Equal(0, harness.Client.DmaWindowCount);
        PeerMessage? reply = harness.Peer.CallClient(VfioUserCommand.DmaRead, DmaHead(Window, 4));
        Assert.Equal(Errno.EINVAL, VfioUserErrorReply.ErrnoOf(reply!.Header));
    }

    [Fact]
    public void UnmapDma_ServerRefuses_ThrowsItsErrnoAndKeepsServingTheWindow()
    {
        ClientHarness harness = Start(new PeerScript { Override = r => r.Command == VfioUserCommand.DmaUnmap ? PeerReply.Fail(Errno.ENOENT) : null });
        byte[] memory = new byte[WindowSize];
        memory[2] = 42;
        harness.Client.MapDma(Window, memory);

        Assert.Equal(Errno.ENOENT, Assert.Throws<HostDeviceException>(() => harness.Client.UnmapDma(Window, WindowSize)).Errno);

        PeerMessage? reply = harness.Peer.CallClient(VfioUserCommand.DmaRead, DmaHead(Window, 4));
        Assert.Equal(new byte[] { 0, 0, 42, 0 }, reply!.Payload[16..]);
    }

    private static byte[] Expected(uint flags, ulong offset, ulong address, ulong size)
    {
        byte[] payload = new byte[32];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, 32);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(4), flags);
        BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(8), offset);
        BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(16), address);
        BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(24), size);
        return payload;
    }

    private static int DescriptorsOf(string target)
    {
        int count = 0;
        foreach (string link in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                count += (new FileInfo(link).LinkTarget ?? "").Contains(target, StringComparison.Ordinal) ? 1 : 0;
            }
            catch (IOException)
            {
                // Closed meanwhile by another test.
            }
        }

        return count;
    }

    private static byte[] DmaHead(ulong address, ulong count)
    {
        byte[] payload = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(payload, address);
        BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(8), count);
        return payload;
    }

    private static byte[] DmaWrite(ulong address, byte[] data) => [.. DmaHead(address, (ulong)data.Length), .. data];

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    private ClientHarness Start(PeerScript? script = null) => Own(ClientHarness.Start(script));
}
