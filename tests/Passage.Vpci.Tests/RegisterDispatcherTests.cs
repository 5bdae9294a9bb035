using Passage.Tests.Shared;
using Passage.Vpci.Config;

namespace Passage.Vpci.Tests;

/// <summary>The numbered dispatcher behaviours of vpci.md §2.6 (trusted mode, host stub reads ones), then G1–G4.</summary>
public sealed class RegisterDispatcherTests
{
    private const uint Ro = 0x0000_00FF;
    private const uint Rw1c = 0x0000_FF00;
    private const uint RsvdP = 0x00FF_0000;
    private const uint RsvdZ = 0xFF00_0000;

    private readonly Dictionary<int, uint> _store = [];
    private readonly List<(int Offset, uint Value)> _hookWrites = [];

    private static RegisterDispatcher Trusted() => new(DispatcherMode.Trusted, new HostStub());

    private RegisterDescriptor Plain(int offset, int size) => new()
    {
        Offset = offset,
        Size = size,
        Read = (o, _) => _store.GetValueOrDefault(o),
        Write = (o, v, _) =>
        {
            _store[o] = v;
            _hookWrites.Add((o, v));
        },
    };

    // The masked dword of 17–22: byte 0 RO, byte 1 RW1C, byte 2 RsvdP, byte 3 RsvdZ; the hook clears RW1C itself.
    private RegisterDescriptor Masked(int offset) => new()
    {
        Offset = offset,
        Size = 4,
        ReadOnly = Ro,
        WriteOneToClear = Rw1c,
        ReservedPreserve = RsvdP,
        ReservedZero = RsvdZ,
        Read = (o, _) => _store.GetValueOrDefault(o),
        Write = (o, v, _) =>
        {
            uint old = _store.GetValueOrDefault(o);
            uint stored = v | (old & Rw1c);
            stored &= ~(v & Rw1c);
            _store[o] = stored;
            _hookWrites.Add((o, v));
        },
    };

    [Fact]
    public void B01_DwordRegister_ReadsStoredAndWritesBack()
    {
        RegisterDispatcher d = Trusted();
        _store[0] = 0xDEADBEEF;
        Assert.Equal(DispatcherResult.Ok, d.Add(Plain(0, 4)));

        Assert.Equal(0xDEADBEEFu, d.Read(0, 4));
        d.Write(0, 4, 0x12345678);
        Assert.Equal(0x12345678u, d.Read(0, 4));
    }

    [Fact]
    public void B02_ThreeAdjacentByteRegisters_Independent()
    {
        RegisterDispatcher d = Trusted();
        d.Add(Plain(5, 1));
        d.Add(Plain(6, 1));
        d.Add(Plain(7, 1));

        d.Write(5, 1, 0xAA);
        d.Write(6, 1, 0xBB);
        d.Write(7, 1, 0xCC);

        Assert.Equal((0xAAu, 0xBBu, 0xCCu), (d.Read(5, 1), d.Read(6, 1), d.Read(7, 1)));
    }

    [Fact]
    public void B03_WordRegister_DwordReadHasOnesAbove()
    {
        RegisterDispatcher d = Trusted();
        _store[12] = 0x1234;
        d.Add(Plain(12, 2));

        Assert.Equal(0x1234u, d.Read(12, 2));
        Assert.Equal(0xFFFF_1234u, d.Read(12, 4));
    }

    [Fact]
    public void B04_OverlappingRegister_AlreadyExists()
    {
        RegisterDispatcher d = Trusted();
        d.Add(Plain(5, 1));

        Assert.Equal(DispatcherResult.AlreadyExists, d.Add(Plain(4, 4)));
    }

    [Theory]
    [InlineData(15, 2)] // misaligned word
    [InlineData(0, 3)] // three bytes
    [InlineData(4096, 1)] // past the space
    [InlineData(-4, 4)] // negative
    public void B05_B06_BadShape_InvalidArgument(int offset, int size)
    {
        Assert.Equal(DispatcherResult.InvalidArgument, Trusted().Add(Plain(offset, size)));
    }

    [Fact]
    public void B07_NoHooks_InvalidArgument()
    {
        Assert.Equal(DispatcherResult.InvalidArgument, Trusted().Add(new RegisterDescriptor { Offset = 0, Size = 4 }));
    }

    [Theory]
    [InlineData(0x1u, 0x1u, 0u, 0u)] // RO and RW1C
    [InlineData(0x1u, 0u, 0x1u, 0u)] // RO and RsvdP
    [InlineData(0x1u, 0u, 0u, 0x1u)] // RO and RsvdZ
    [InlineData(0u, 0x1u, 0x1u, 0u)] // RW1C and RsvdP
    [InlineData(0u, 0x1u, 0u, 0x1u)] // RW1C and RsvdZ
    [InlineData(0u, 0u, 0x1u, 0x1u)] // RsvdP and RsvdZ
    public void B08_BitInTwoMasks_InvalidArgument(uint ro, uint rw1c, uint rsvdp, uint rsvdz)
    {
        RegisterDescriptor r = Plain(0, 4) with { ReadOnly = ro, WriteOneToClear = rw1c, ReservedPreserve = rsvdp, ReservedZero = rsvdz };

        Assert.Equal(DispatcherResult.InvalidArgument, Trusted().Add(r));
    }

    [Theory]
    [InlineData(1, 0)] // RO beyond a byte
    [InlineData(1, 1)] // RW1C beyond a byte
    [InlineData(1, 2)] // RsvdP beyond a byte
    [InlineData(1, 3)] // RsvdZ beyond a byte
    [InlineData(2, 0)] // RO beyond a word
    [InlineData(2, 1)] // RW1C beyond a word
    [InlineData(2, 2)] // RsvdP beyond a word
    [InlineData(2, 3)] // RsvdZ beyond a word
    public void B09_MaskBeyondWidth_InvalidArgument(int size, int which)
    {
        uint bit = 1u << (8 * size);
        RegisterDescriptor r = Plain(0, size);
        r = which switch
        {
            0 => r with { ReadOnly = bit },
            1 => r with { WriteOneToClear = bit },
            2 => r with { ReservedPreserve = bit },
            _ => r with { ReservedZero = bit },
        };

        Assert.Equal(DispatcherResult.InvalidArgument, Trusted().Add(r));
    }

    [Fact]
    public void B10_Unhandled_ReadsOnesWriteIgnored()
    {
        var host = new HostStub();
        var d = new RegisterDispatcher(DispatcherMode.Trusted, host);

        Assert.Equal((0xFFFF_FFFFu, 0xFFFFu, 0xFFu), (d.Read(0x40, 4), d.Read(0x44, 2), d.Read(0x46, 1)));
        d.Write(0x48, 2, 0x1234);
        Assert.Equal(0xFFFFu, d.Read(0x48, 2));
    }

    [Fact]
    public void B11_DwordReadOverGapAndThreeBytes_OnesInTheGap()
    {
        RegisterDispatcher d = Trusted();
        _store[5] = 0x11;
        _store[6] = 0x22;
        _store[7] = 0x33;
        d.Add(Plain(5, 1));
        d.Add(Plain(6, 1));
        d.Add(Plain(7, 1));

        Assert.Equal(0x332211FFu, d.Read(4, 4));
    }

    [Fact]
    public void B12_PartialReads_InsideAndAcross()
    {
        RegisterDispatcher d = Trusted();
        _store[0] = 0x44332211;
        _store[6] = 0xAA;
        _store[7] = 0xBB;
        d.Add(Plain(0, 4));
        d.Add(Plain(6, 1));
        d.Add(Plain(7, 1));

        Assert.Equal(0x33u, d.Read(2, 1));
        Assert.Equal(0xBBAAu, d.Read(6, 2));
    }

    [Fact]
    public void B13_DwordWriteOverGapAndThreeBytes_UpdatesRegisters()
    {
        RegisterDispatcher d = Trusted();
        d.Add(Plain(5, 1));
        d.Add(Plain(6, 1));
        d.Add(Plain(7, 1));

        d.Write(4, 4, 0x33221100);

        Assert.Equal(0x332211FFu, d.Read(4, 4));
    }

    [Fact]
    public void B14_PartialWrites_ReadModifyWriteAndSplit()
    {
        RegisterDispatcher d = Trusted();
        _store[0] = 0x44332211;
        d.Add(Plain(0, 4));
        d.Add(Plain(6, 1));
        d.Add(Plain(7, 1));

        d.Write(1, 1, 0xEE);
        d.Write(6, 2, 0xBBAA);

        Assert.Equal(0xEEu, d.Read(1, 1));
        Assert.Equal(0x4433EE11u, d.Read(0, 4));
        Assert.Equal(0xBBAAu, d.Read(6, 2));
    }

    [Fact]
    public void B15_MixedWidthsOverThreeDwords_EveryWidthReadsBack()
    {
        RegisterDispatcher d = Trusted();
        foreach (int b in new[] { 0, 1, 2, 3 })
        {
            d.Add(Plain(b, 1));
        }

        d.Add(Plain(4, 2));
        d.Add(Plain(6, 2));
        d.Add(Plain(8, 4));
        for (int off = 0; off < 12; off += 4)
        {
            Assert.Equal(0u, d.Read(off, 4));
            Assert.Equal(0u, d.Read(off + 2, 2));
            Assert.Equal(0u, d.Read(off + 3, 1));
        }

        d.Write(0, 4, 0x03020100);
        d.Write(4, 2, 0x0504);
        d.Write(6, 1, 0x06);
        d.Write(7, 1, 0x07);
        d.Write(8, 2, 0x0908);
        d.Write(10, 2, 0x0B0A);

        Assert.Equal((0x03020100u, 0x07060504u, 0x0B0A0908u), (d.Read(0, 4), d.Read(4, 4), d.Read(8, 4)));
        Assert.Equal((0x0302u, 0x0706u, 0x0908u), (d.Read(2, 2), d.Read(6, 2), d.Read(8, 2)));
        Assert.Equal((0x01u, 0x05u, 0x0Bu), (d.Read(1, 1), d.Read(5, 1), d.Read(11, 1)));
    }

    [Fact]
    public void B16_DwordOverRegistersAndGaps_HandledBytesOnly()
    {
        RegisterDispatcher d = Trusted();
        d.Add(Plain(0x20, 1));
        d.Add(Plain(0x22, 1));

        d.Write(0x20, 4, 0x44332211);

        Assert.Equal(0xFF33FF11u, d.Read(0x20, 4));
    }

    [Fact]
    public void B17_ReadOnlyBits_KeptAndHookGetsOldValue()
    {
        RegisterDispatcher d = Trusted();
        _store[0x10] = 0x0F0F0F0F;
        d.Add(Masked(0x10));

        d.Write(0x10, 1, 0xAA);

        Assert.Equal(0x0Fu, d.Read(0x10, 1));
        Assert.Equal(0x0Fu, _hookWrites.Single().Value & Ro);
        Assert.Equal(0x000F0F0Fu, _store[0x10]); // RW1C byte not written: not cleared (22)
    }

    [Fact]
    public void B18_Rw1cBits_OneClearsZeroKeeps()
    {
        RegisterDispatcher d = Trusted();
        _store[0x10] = 0x0F0F0F0F;
        d.Add(Masked(0x10));

        d.Write(0x11, 1, 0x03);
        Assert.Equal(0x0Cu, d.Read(0x11, 1));
        d.Write(0x11, 1, 0x00);
        Assert.Equal(0x0Cu, d.Read(0x11, 1));
    }

    [Fact]
    public void B19_RsvdPBits_ReadZeroPreserveHiddenValue()
    {
        RegisterDispatcher d = Trusted();
        _store[0x10] = 0x0F0F0F0F;
        d.Add(Masked(0x10));

        Assert.Equal(0u, d.Read(0x12, 1));
        d.Write(0x12, 1, 0xFF);

        Assert.Equal(0u, d.Read(0x12, 1));
        Assert.Equal(0x0Fu, (_store[0x10] >> 16) & 0xFF);
        Assert.Equal(0x0Fu, (_store[0x10] >> 8) & 0xFF); // RW1C untouched by this partial write (22)
    }

    [Fact]
    public void B20_RsvdZBits_ReadZeroHookGetsZero()
    {
        RegisterDispatcher d = Trusted();
        _store[0x10] = 0x0F0F0F0F;
        d.Add(Masked(0x10));

        Assert.Equal(0u, d.Read(0x13, 1));
        d.Write(0x13, 1, 0xFF);

        Assert.Equal(0u, _hookWrites.Single().Value & RsvdZ);
        Assert.Equal(0x0Fu, (_store[0x10] >> 8) & 0xFF); // RW1C untouched (22)
    }

    [Theory]
    [InlineData(0x0000_0000u, 0x0000_0F0Fu, 0x000F_0F0Fu)] // zeros: read unchanged; stored RsvdZ zeroed
    [InlineData(0xFFFF_FFFFu, 0x0000_000Fu, 0x000F_000Fu)] // ones: RW1C cleared; stored RsvdZ zeroed
    public void B21_DwordWriteHonoursAllFourMasks(uint written, uint read, uint stored)
    {
        RegisterDispatcher d = Trusted();
        _store[0x10] = 0x0F0F0F0F;
        d.Add(Masked(0x10));
        Assert.Equal(0x0000_0F0Fu, d.Read(0x10, 4));

        d.Write(0x10, 4, written);

        Assert.Equal(read, d.Read(0x10, 4));
        Assert.Equal(stored, _store[0x10]);
    }

    [Fact]
    public void B22_PartialWriteElsewhere_NeverClearsRw1c()
    {
        RegisterDispatcher d = Trusted();
        _store[0x10] = 0x0F0F0F0F;
        d.Add(Masked(0x10));

        d.Write(0x12, 2, 0xFFFF);

        Assert.Equal(0x0Fu, (_store[0x10] >> 8) & 0xFF);
        Assert.Equal(0u, _hookWrites.Single().Value & Rw1c); // RW1C in unwritten bytes reach the hook as 0
    }

    [Fact]
    public void B23_RemoveExactAndContainingRanges_Succeeds()
    {
        RegisterDispatcher d = Trusted();
        d.Add(Plain(0, 4));
        d.Add(Plain(4, 1));
        d.Add(Plain(5, 1));
        d.Add(Plain(8, 1));

        Assert.Equal(DispatcherResult.Ok, d.Remove(0, 4)); // exact
        Assert.Equal(DispatcherResult.Ok, d.Remove(4, 2)); // a word over two bytes
        Assert.Equal(DispatcherResult.Ok, d.Remove(8, 2)); // a word containing one byte
        Assert.Empty(d.Registers);
        Assert.Equal(0xFFFF_FFFFu, d.Read(0, 4));
    }

    [Fact]
    public void B24_RemovePartialOverlap_RangeError()
    {
        RegisterDispatcher d = Trusted();
        d.Add(Plain(0, 2));

        Assert.Equal(DispatcherResult.RangeError, d.Remove(1, 1));
        Assert.NotNull(d.Find(0, 2));
    }

    [Fact]
    public void Write_RegisterWithStoredHook_MergesUncoveredBytesAndRsvdPFromTheStoredValue()
    {
        // Reads show 0xFF in byte 1 and in the RsvdP byte 2, which the register does not store.
        RegisterDispatcher d = Trusted();
        _store[0] = 0x0012_3400;
        var register = Plain(0, 4) with
        {
            Read = (o, _) => _store.GetValueOrDefault(o) | 0x00FF_FF00,
            Stored = (o, _) => _store.GetValueOrDefault(o),
            ReservedPreserve = RsvdP,
        };
        d.Add(register);

        d.Write(0, 1, 0xAB);

        Assert.Equal((0, 0x0012_34ABu), Assert.Single(_hookWrites));
        Assert.Equal(0x0000_FFABu, d.Read(0, 4));
    }

    [Fact]
    public void Find_ExactOffsetAndSize_ReturnsTheDescriptor()
    {
        RegisterDispatcher d = Trusted();
        RegisterDescriptor r = Plain(4, 2);
        d.Add(r);

        Assert.Same(r, d.Find(4, 2));
        Assert.Null(d.Find(4, 1));
    }

    [Fact]
    public void Trusted_Gaps_ReachTheHostConfigRegion()
    {
        var host = new HostStub(0x5A);
        var d = new RegisterDispatcher(DispatcherMode.Trusted, host);
        d.Add(Plain(0x41, 1));

        Assert.Equal(0x5A5A005Au, d.Read(0x40, 4));
        d.Write(0x40, 4, 0x44332211);

        // The 3-byte gap after 0x41 starts at an even offset: written as 2 + 1.
        Assert.Equal([(0x40UL, 1), (0x42UL, 2)], host.ConfigWrites.Select(w => (w.Offset, w.Data.Length)));
        Assert.Equal([0x33, 0x44], host.ConfigWrites[1].Data);
    }

    [Fact]
    public void Trusted_OddThreeByteGap_SplitOneThenTwo()
    {
        var host = new HostStub();
        var d = new RegisterDispatcher(DispatcherMode.Trusted, host);
        d.Add(Plain(0x40, 1));

        d.Write(0x40, 4, 0x44332211);

        Assert.Equal([(0x41UL, 1), (0x42UL, 2)], host.ConfigWrites.Select(w => (w.Offset, w.Data.Length)));
    }

    [Fact]
    public void G1_GuestGaps_ReadOnesWhateverTheHostHas()
    {
        var host = new HostStub(0x00);
        var d = new RegisterDispatcher(DispatcherMode.Guest, host);

        Assert.Equal(0xFFFF_FFFFu, d.Read(0x40, 4));
        Assert.Equal(0, host.ConfigReads);
    }

    [Fact]
    public void G2_GuestGapWrites_NeverReachTheHost()
    {
        var host = new HostStub();
        var d = new RegisterDispatcher(DispatcherMode.Guest, host);
        d.Add(Plain(0x40, 1));

        d.Write(0x40, 4, 0x44332211);

        Assert.Empty(host.ConfigWrites);
        Assert.Equal(0x11u, _store[0x40]);
    }

    [Fact]
    public void G3_NoHost_ReadsOnes()
    {
        var d = new RegisterDispatcher(DispatcherMode.Trusted);

        Assert.Equal(0xFFFF_FFFFu, d.Read(0, 4));
    }

    [Theory]
    [InlineData(0, 3)] // size 3
    [InlineData(2, 4)] // misaligned dword
    [InlineData(1, 2)] // misaligned word
    [InlineData(4096, 1)] // past 4096
    [InlineData(4094, 4)] // crosses 4096
    [InlineData(0, 8)] // 8 bytes outside ECAM
    public void G4_RejectedAccess_ReadsOnesAndReachesNoHook(int reg, int size)
    {
        var d = new RegisterDispatcher(DispatcherMode.Guest);
        int calls = 0;
        d.Add(new RegisterDescriptor { Offset = 0, Size = 4, Read = (_, _) => { calls++; return 0; }, Write = (_, _, _) => calls++ });

        Assert.Equal(0xFFFF_FFFFu, d.Read(reg, size));
        d.Write(reg, size, 0);

        Assert.Equal(0, calls);
    }

    [Fact]
    public void ReadWrite_HotPath_AllocatesNothing()
    {
        var d = new RegisterDispatcher(DispatcherMode.Guest);
        uint stored = 0;
        d.Add(new RegisterDescriptor { Offset = 0x41, Size = 1, Read = (_, _) => stored, Write = (_, v, _) => stored = v });
        d.Add(Masked(0x10));
        long allocated = AllocationMeter.Least(
            i =>
            {
                d.Read(0x40, 4);
                d.Write(0x40, 4, (uint)i);
                d.Read(0x10, 4);
            },
            1000);

        Assert.Equal(0, allocated);
        Assert.Equal((uint)(1000 >> 8) & 0xFF, stored);
    }
}
