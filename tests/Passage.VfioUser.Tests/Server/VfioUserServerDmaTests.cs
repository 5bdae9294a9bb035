using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.VfioUser.Protocol;
using Passage.VfioUser.Server;

namespace Passage.VfioUser.Tests.Server;

/// <summary>
/// DMA_MAP and DMA_UNMAP (vfio-user.md §4), and the device side's access to client memory: copied
/// through a mapped memfd, or asked for with DMA_READ / DMA_WRITE that the test client answers.
/// </summary>
public sealed class VfioUserServerDmaTests
{
    private const VfioUserDmaMapFlags ReadWrite = VfioUserDmaMapFlags.Read | VfioUserDmaMapFlags.Write;
    private const ulong Base = 0x1_0000_0000;

    [Fact]
    public void DmaMap_MemfdWindow_TheServerReadsWhatTheClientWroteAndWritesBack()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();
        using MemFdMemory memory = MemFdMemory.Create(0x10000, "client-ram");
        "written by the client"u8.CopyTo(memory.Span[0x1234..]);

        using (RawReply mapped = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap(ReadWrite, 0x1000, Base, 0x8000), [memory.Fd]))
        {
            Assert.Equal((Errno.None, 16u), (mapped.Errno, mapped.Header.MessageSize));
        }

        byte[] read = new byte[21];
        Assert.Equal(Errno.None, harness.Server.ReadDma(Base + 0x234, read));
        Assert.Equal("written by the client"u8.ToArray(), read);
        Assert.Equal(Errno.None, harness.Server.WriteDma(Base + 0x7FF0, "from the device!"u8));
        Assert.Equal("from the device!"u8.ToArray(), memory.Span.Slice(0x8FF0, 16).ToArray());
        Assert.Equal([new VfioUserDmaWindow(Base, 0x8000, ReadWrite, true, 0x1000)], harness.Server.DmaWindows);
    }

    [Theory]
    [InlineData(Base, 0x1000UL)] // the same window again
    [InlineData(Base + 0x1000, 0x1000UL)] // inside
    [InlineData(Base - 0x1000, 0x2000UL)] // across the start
    [InlineData(Base + 0x3000, 0x2000UL)] // across the end
    [InlineData(Base - 0x1000, 0x6000UL)] // around it
    public void DmaMap_OverlappingAWindow_EexistAndOnlyTheFirstKept(ulong address, ulong size)
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();
        using RawReply first = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap(ReadWrite, 0, Base, 0x4000));

        using RawReply second = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap(ReadWrite, 0, address, size));

        Assert.Equal((Errno.None, Errno.EEXIST), (first.Errno, second.Errno));
        Assert.Equal([(Base, 0x4000UL)], harness.Server.DmaWindows.Select(w => (w.Address, w.Size)));
    }

    [Fact]
    public void DmaMap_AdjacentWindows_BothKept()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();

        using RawReply first = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap(ReadWrite, 0, Base + 0x4000, 0x4000));
        using RawReply second = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap(ReadWrite, 0, Base, 0x4000));

        Assert.Equal((Errno.None, Errno.None), (first.Errno, second.Errno));
        Assert.Equal([Base, Base + 0x4000], harness.Server.DmaWindows.Select(w => w.Address));
    }

    [Fact]
    public void DmaMap_FdSmallerThanTheWindow_EinvalNothingMapped()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();
        using MemFdMemory memory = MemFdMemory.Create(0x4000, "too-small");

        // Touching a mapping past the end of its file would raise SIGBUS in the server.
        using RawReply reply = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap(ReadWrite, 0x1000, Base, 0x4000), [memory.Fd]);

        Assert.Equal(Errno.EINVAL, reply.Errno);
        Assert.Empty(harness.Server.DmaWindows);
    }

    [Fact]
    public void DmaMap_FdThatIsNotAFile_Einval()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();
        using EventFd notMemory = EventFd.Create();

        using RawReply reply = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap(ReadWrite, 0, Base, 0x1000), [notMemory.Fd]);

        Assert.Equal(Errno.EINVAL, reply.Errno);
        Assert.Empty(harness.Server.DmaWindows);
    }

    [Theory]
    [InlineData(4u)] // libvfio-user's MMAP bit: not Passage's protocol
    [InlineData(0x100u)] // undefined
    public void DmaMap_FlagsBeyondReadAndWrite_Einval(uint flags)
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();

        using RawReply reply = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap((VfioUserDmaMapFlags)(flags | 1), 0, Base, 0x1000));

        Assert.Equal(Errno.EINVAL, reply.Errno);
    }

    [Fact]
    public void DmaMap_BeyondMaxDmaMaps_Enospc()
    {
        using var harness = new ServerHarness(options: new VfioUserServerOptions { MaxDmaMaps = 2 });
        using RawClient client = harness.Negotiated();
        Assert.Equal(2UL, client.Answer!.MaxDmaMaps);

        Errno[] results = [.. Enumerable.Range(0, 3).Select(i =>
        {
            using RawReply reply = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap(ReadWrite, 0, Base + ((ulong)i * 0x1000), 0x1000));
            return reply.Errno;
        })];

        Assert.Equal([Errno.None, Errno.None, Errno.ENOSPC], results);
    }

    [Fact]
    public void DmaUnmap_ExactWindow_UnmappedAndTheRequestEchoed()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();
        using MemFdMemory memory = MemFdMemory.Create(0x4000, "unmapped");
        using RawReply mapped = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap(ReadWrite, 0, Base, 0x4000), [memory.Fd]);
        byte[] request = Payloads.DmaUnmap(VfioUserDmaUnmapFlags.None, Base, 0x4000);

        using RawReply reply = client.Request(VfioUserCommand.DmaUnmap, request);

        Assert.Equal(request, reply.Payload);
        Assert.Empty(harness.Server.DmaWindows);
        Assert.Equal(VfioUserDmaErrno.Fault, harness.Server.ReadDma(Base, new byte[4]));
    }

    [Theory]
    [InlineData(Base, 0x2000UL)] // the start, a smaller size
    [InlineData(Base + 0x1000, 0x3000UL)] // the end, another start
    [InlineData(Base + 0x10000, 0x4000UL)] // nowhere near
    public void DmaUnmap_NoExactMatch_EnoentAndTheWindowKept(ulong address, ulong size)
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();
        using RawReply mapped = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap(ReadWrite, 0, Base, 0x4000));

        using RawReply reply = client.Request(VfioUserCommand.DmaUnmap, Payloads.DmaUnmap(VfioUserDmaUnmapFlags.None, address, size));

        Assert.Equal(Errno.ENOENT, reply.Errno);
        Assert.Single(harness.Server.DmaWindows);
    }

    [Fact]
    public void DmaUnmap_All_EveryWindowGone()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();
        using MemFdMemory memory = MemFdMemory.Create(0x4000, "all");
        using RawReply a = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap(ReadWrite, 0, Base, 0x4000), [memory.Fd]);
        using RawReply b = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap(ReadWrite, 0, Base + 0x10000, 0x4000));
        using RawReply c = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap(VfioUserDmaMapFlags.Read, 0, 0x8000, 0x1000));
        Assert.Equal(3, harness.Server.DmaWindows.Count);

        using RawReply reply = client.Request(VfioUserCommand.DmaUnmap, Payloads.DmaUnmap(VfioUserDmaUnmapFlags.All, 0, 0));

        Assert.Equal(Errno.None, reply.Errno);
        Assert.Empty(harness.Server.DmaWindows);
    }

    [Fact]
    public void DmaUnmap_DirtyBitmapAsked_Einval()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();
        using RawReply mapped = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap(ReadWrite, 0, Base, 0x4000));

        using RawReply reply = client.Request(VfioUserCommand.DmaUnmap, Payloads.DmaUnmap(VfioUserDmaUnmapFlags.GetDirtyBitmap, Base, 0x4000));

        Assert.Equal(Errno.EINVAL, reply.Errno);
        Assert.Single(harness.Server.DmaWindows);
    }

    [Fact]
    public void ReadDma_OutsideEveryWindow_FaultAndNothingSent()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();
        client.Memory = new ClientMemory(Base, 0x4000);
        using RawReply mapped = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap(ReadWrite, 0, Base, 0x4000));

        Assert.Equal(VfioUserDmaErrno.Fault, harness.Server.ReadDma(Base - 1, new byte[2])); // starts before
        Assert.Equal(VfioUserDmaErrno.Fault, harness.Server.ReadDma(Base + 0x3FFF, new byte[2])); // ends after
        Assert.Equal(VfioUserDmaErrno.Fault, harness.Server.WriteDma(ulong.MaxValue, new byte[2])); // wraps

        Assert.Empty(client.Memory.Requests);
    }

    [Fact]
    public void WriteDma_ReadOnlyWindow_FaultAndTheMemoryUntouched()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();
        using MemFdMemory memory = MemFdMemory.Create(0x1000, "read-only");
        using RawReply mapped = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap(VfioUserDmaMapFlags.Read, 0, Base, 0x1000), [memory.Fd]);

        Assert.Equal(VfioUserDmaErrno.Fault, harness.Server.WriteDma(Base, [1, 2, 3]));

        Assert.Equal(Errno.None, harness.Server.ReadDma(Base, new byte[3]));
        Assert.Equal(new byte[3], memory.Span[..3].ToArray());
    }

    [Fact]
    public void ReadAndWriteDma_MessageWindowOverTheTwinSocket_SplitToTheClientsTransferSize()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated(VersionCapabilities.PassageOffer with { MaxDataXferSize = 4096 });
        Assert.NotNull(client.Twin);
        client.Memory = new ClientMemory(Base, 0x4000);
        Random.Shared.NextBytes(client.Memory.Bytes);
        using RawReply mapped = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap(ReadWrite, 0, Base, 0x4000));

        byte[] read = new byte[9000];
        Assert.Equal(Errno.None, harness.Server.ReadDma(Base + 100, read));
        byte[] written = [.. Enumerable.Range(0, 5000).Select(i => (byte)(i * 13))];
        Assert.Equal(Errno.None, harness.Server.WriteDma(Base + 0x3000 - 2500, written));

        Assert.Equal(client.Memory.Bytes.AsSpan(100, 9000).ToArray(), read);
        Assert.Equal(written, client.Memory.Bytes.AsSpan(0x3000 - 2500, 5000).ToArray());
        Assert.Equal(
            [
                (VfioUserCommand.DmaRead, Base + 100, 4096UL), (VfioUserCommand.DmaRead, Base + 4196, 4096UL), (VfioUserCommand.DmaRead, Base + 8292, 808UL),
                (VfioUserCommand.DmaWrite, Base + 0x3000 - 2500, 4096UL), (VfioUserCommand.DmaWrite, Base + 0x3000 - 2500 + 4096, 904UL),
            ],
            client.Memory.Requests);
    }

    [Fact]
    public void ReadDma_AcrossAMappedAndAMessageWindow_EachPartFromItsOwnPlace()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();
        using MemFdMemory memory = MemFdMemory.Create(0x1000, "first-page");
        memory.Span.Fill(0x11);
        client.Memory = new ClientMemory(Base + 0x1000, 0x1000);
        client.Memory.Bytes.AsSpan().Fill(0x22);
        using RawReply first = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap(ReadWrite, 0, Base, 0x1000), [memory.Fd]);
        using RawReply second = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap(ReadWrite, 0, Base + 0x1000, 0x1000));

        byte[] read = new byte[0x20];
        Assert.Equal(Errno.None, harness.Server.ReadDma(Base + 0xFF0, read));

        Assert.Equal([.. Enumerable.Repeat((byte)0x11, 16), .. Enumerable.Repeat((byte)0x22, 16)], read);
        Assert.Equal([(VfioUserCommand.DmaRead, Base + 0x1000, 16UL)], client.Memory.Requests);
    }

    [Fact]
    public void ReadAndWriteDma_ClientWithoutTwinSocket_OverTheMainSocket()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated(VersionCapabilities.PassageOffer with { TwinSocket = null });
        Assert.Null(client.Twin);
        client.Memory = new ClientMemory(Base, 0x2000);
        "main socket"u8.CopyTo(client.Memory.Bytes.AsSpan(0x10));
        using (RawReply mapped = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap(ReadWrite, 0, Base, 0x2000)))
        {
            Assert.Equal(Errno.None, mapped.Errno);
        }

        client.ServeMain();
        byte[] read = new byte[11];
        Assert.Equal(Errno.None, harness.Server.ReadDma(Base + 0x10, read));
        Assert.Equal(Errno.None, harness.Server.WriteDma(Base + 0x1000, "answered"u8));

        Assert.Equal("main socket"u8.ToArray(), read);
        Assert.Equal("answered"u8.ToArray(), client.Memory.Bytes.AsSpan(0x1000, 8).ToArray());
    }

    [Fact]
    public void WriteDma_ClientRepliesWithEightBytes_EioAndTheSessionGoesOn()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();
        client.Memory = new ClientMemory(Base, 0x1000) { ShortWriteReply = true };
        using RawReply mapped = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap(ReadWrite, 0, Base, 0x1000));

        Assert.Equal(Errno.EIO, harness.Server.WriteDma(Base, [1, 2, 3, 4]));

        client.Memory.ShortWriteReply = false;
        Assert.Equal(Errno.None, harness.Server.WriteDma(Base, [5, 6, 7, 8]));
        Assert.Equal([5, 6, 7, 8], client.Memory.Bytes[..4]);
    }

    [Fact]
    public void ReadDma_ClientAnswersWithAnError_ThatErrno()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();

        // The client's memory covers less than the window it mapped: it answers EFAULT.
        client.Memory = new ClientMemory(Base, 0x1000);
        using RawReply mapped = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap(ReadWrite, 0, Base, 0x2000));

        Assert.Equal((Errno)14, harness.Server.ReadDma(Base + 0x1800, new byte[8]));
    }

    [Fact]
    public void ReadDma_ClientNeverAnswers_EioAndTheClientDisconnectedAsUnresponsive()
    {
        using var harness = new ServerHarness(options: new VfioUserServerOptions { DmaTimeout = TimeSpan.FromMilliseconds(200) });
        using RawClient client = harness.Negotiated();
        client.Memory = new ClientMemory(Base, 0x1000) { Silent = true };
        using RawReply mapped = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap(ReadWrite, 0, Base, 0x1000));

        Assert.Equal(Errno.EIO, harness.Server.ReadDma(Base, new byte[8]));

        Assert.Equal(VfioUserDisconnectReason.Unresponsive, harness.WaitDisconnected().Reason);
        Assert.True(client.WaitClosed());
    }

    [Fact]
    public void ReadDma_NoClient_Enodev()
    {
        using var harness = new ServerHarness();

        Assert.Equal(Errno.ENODEV, harness.Server.ReadDma(Base, new byte[8]));
        Assert.Equal(Errno.ENODEV, harness.Server.WriteDma(Base, new byte[8]));
    }
}
