using Passage.Pci.Capabilities;

namespace Passage.Pci.Tests;

public sealed class CapabilityWalkerTests
{
    private static readonly byte[] NoBody = [];

    [Fact]
    public void WalkStandard_WellFormedList_ReturnsEntriesInOrder()
    {
        ConfigSpace c = TestSpaces.Endpoint()
            .Capability(0x40, CapabilityId.PowerManagement, new byte[6])
            .Capability(0x50, CapabilityId.Msi, new byte[12])
            .Capability(0x70, CapabilityId.PciExpress, new byte[50])
            .Build();

        CapabilityChain chain = CapabilityWalker.WalkStandard(c);

        Assert.Empty(chain.Problems);
        Assert.Equal(
            [
                new CapabilityEntry(0x40, 0x01, 0, 0x50, false),
                new CapabilityEntry(0x50, 0x05, 0, 0x70, false),
                new CapabilityEntry(0x70, 0x10, 0, 0x00, false),
            ],
            chain.Entries);
    }

    [Fact]
    public void WalkStandard_PointerLowBitsSet_MasksThemOff()
    {
        // 0x34 = 0x43 and a next byte of 0x52: bits 1:0 are reserved and ignored.
        ConfigSpace c = TestSpaces.Endpoint()
            .Capability(0x40, CapabilityId.PowerManagement, new byte[6])
            .Capability(0x50, CapabilityId.MsiX, new byte[10])
            .Set8(ConfigOffsets.CapabilitiesPointer, 0x43)
            .Set8(0x41, 0x52)
            .Build();

        CapabilityChain chain = CapabilityWalker.WalkStandard(c);

        Assert.Empty(chain.Problems);
        Assert.Equal([0x40, 0x50], chain.Entries.Select(e => e.Offset));
        Assert.Equal(0x52, chain.Entries[0].Next);
    }

    [Fact]
    public void WalkStandard_CapabilitiesListStatusClear_ReturnsNoEntriesAndNoProblem()
    {
        ConfigSpace c = TestSpaces.Endpoint()
            .Capability(0x40, CapabilityId.PowerManagement, new byte[6])
            .Set16(ConfigOffsets.Status, 0)
            .Build();

        CapabilityChain chain = CapabilityWalker.WalkStandard(c);

        Assert.Empty(chain.Entries);
        Assert.Empty(chain.Problems);
    }

    [Fact]
    public void WalkStandard_SelfLoop_ReportsLoopAtEntry()
    {
        ConfigSpace c = TestSpaces.Endpoint()
            .Capability(0x40, CapabilityId.PowerManagement, new byte[6])
            .Set8(0x41, 0x40)
            .Build();

        CapabilityChain chain = CapabilityWalker.WalkStandard(c);

        Assert.Equal([0x40], chain.Entries.Select(e => e.Offset));
        ChainProblem p = Assert.Single(chain.Problems);
        Assert.Equal((ChainProblemKind.Loop, false, 0x40), (p.Kind, p.Extended, p.Offset));
    }

    [Fact]
    public void WalkStandard_LongerLoop_ReportsLoopAtRevisitedEntry()
    {
        // 0x40 -> 0x50 -> 0x60 -> back to 0x50.
        ConfigSpace c = TestSpaces.Endpoint()
            .Capability(0x40, CapabilityId.PowerManagement, new byte[6])
            .Capability(0x50, CapabilityId.Msi, new byte[8])
            .Capability(0x60, CapabilityId.VendorSpecific, new byte[6])
            .Set8(0x61, 0x50)
            .Build();

        CapabilityChain chain = CapabilityWalker.WalkStandard(c);

        Assert.Equal([0x40, 0x50, 0x60], chain.Entries.Select(e => e.Offset));
        ChainProblem p = Assert.Single(chain.Problems);
        Assert.Equal((ChainProblemKind.Loop, 0x50), (p.Kind, p.Offset));
    }

    [Theory]
    [InlineData(0x00, 0x20)] // capabilities pointer into the BAR area
    [InlineData(0x00, 0x3C)] // capabilities pointer at the interrupt line
    [InlineData(0x40, 0x08)] // second link into the class code
    [InlineData(0x40, 0x3C)] // second link just below 0x40
    public void WalkStandard_PointerIntoHeader_ReportsPointerIntoHeader(int firstEntry, int badPointer)
    {
        ConfigSpaceBuilder b = TestSpaces.Endpoint();
        if (firstEntry == 0)
        {
            b.Status(PciStatus.CapabilitiesList).Set8(ConfigOffsets.CapabilitiesPointer, (byte)badPointer);
        }
        else
        {
            b.Capability(firstEntry, CapabilityId.PowerManagement, new byte[6]).Set8(firstEntry + 1, (byte)badPointer);
        }

        CapabilityChain chain = CapabilityWalker.WalkStandard(b.Build());

        Assert.Equal(firstEntry == 0 ? 0 : 1, chain.Entries.Count);
        ChainProblem p = Assert.Single(chain.Problems);
        Assert.Equal((ChainProblemKind.PointerIntoHeader, false, badPointer), (p.Kind, p.Extended, p.Offset));
    }

    [Fact]
    public void WalkStandard_FortyEightEntries_WalksAllWithoutProblem()
    {
        // Every dword from 0x40 to 0xFC holds one entry: the longest list the TTL allows.
        ConfigSpaceBuilder b = TestSpaces.Endpoint();
        for (int offset = 0x40; offset < 0x100; offset += 4)
        {
            b.Capability(offset, CapabilityId.VendorSpecific, [2, 0]);
        }

        CapabilityChain chain = CapabilityWalker.WalkStandard(b.Build());

        Assert.Equal(CapabilityWalker.StandardTtl, chain.Entries.Count);
        Assert.Equal(0xFC, chain.Entries[^1].Offset);
        Assert.Empty(chain.Problems);
    }

    [Fact]
    public void WalkStandard_MoreThanFortyEightLinks_StopsAfterFortyEightEntries()
    {
        // All 48 dwords are used, so the 49th link necessarily revisits one and the walk stops there.
        ConfigSpaceBuilder b = TestSpaces.Endpoint();
        for (int offset = 0x40; offset < 0x100; offset += 4)
        {
            b.Capability(offset, CapabilityId.VendorSpecific, [2, 0]);
        }

        b.Set8(0xFD, 0x40);

        CapabilityChain chain = CapabilityWalker.WalkStandard(b.Build());

        Assert.Equal(48, chain.Entries.Count);
        ChainProblem p = Assert.Single(chain.Problems);
        Assert.Equal((ChainProblemKind.Loop, false, 0x40), (p.Kind, p.Extended, p.Offset));
    }

    [Fact]
    public void WalkStandard_ListBeyondSixtyFourByteCapture_ReportsTruncated()
    {
        ConfigSpace c = new ConfigSpaceBuilder(ConfigOffsets.HeaderSize)
            .Identity(0x8086, 0x1521, 0x02_00_00)
            .Status(PciStatus.CapabilitiesList)
            .Set8(ConfigOffsets.CapabilitiesPointer, 0x40)
            .Build();

        CapabilityChain chain = CapabilityWalker.WalkStandard(c);

        Assert.Empty(chain.Entries);
        ChainProblem p = Assert.Single(chain.Problems);
        Assert.Equal((ChainProblemKind.Truncated, false, 0x40), (p.Kind, p.Extended, p.Offset));
    }

    [Fact]
    public void WalkStandard_SecondEntryBeyondShortCapture_KeepsFirstAndReportsTruncated()
    {
        ConfigSpaceBuilder b = TestSpaces.Endpoint()
            .Capability(0x40, CapabilityId.PowerManagement, new byte[6])
            .Capability(0x80, CapabilityId.Msi, new byte[8]);

        CapabilityChain chain = CapabilityWalker.WalkStandard(TestSpaces.Truncate(b, 0x60));

        Assert.Equal([0x40], chain.Entries.Select(e => e.Offset));
        ChainProblem p = Assert.Single(chain.Problems);
        Assert.Equal((ChainProblemKind.Truncated, 0x80), (p.Kind, p.Offset));
    }

    [Fact]
    public void WalkStandard_IdReadsAllOnes_ReportsAllOnesAndStops()
    {
        ConfigSpace c = TestSpaces.Endpoint()
            .Capability(0x40, CapabilityId.PowerManagement, new byte[6])
            .Capability(0x50, 0xFF, new byte[6])
            .Capability(0x60, CapabilityId.Msi, new byte[8])
            .Build();

        CapabilityChain chain = CapabilityWalker.WalkStandard(c);

        Assert.Equal([0x40], chain.Entries.Select(e => e.Offset));
        ChainProblem p = Assert.Single(chain.Problems);
        Assert.Equal((ChainProblemKind.AllOnes, false, 0x50), (p.Kind, p.Extended, p.Offset));
    }

    [Fact]
    public void WalkExtended_WellFormedList_ReturnsIdsVersionsAndNextPointers()
    {
        ConfigSpace c = TestSpaces.Endpoint()
            .ExtendedCapability(0x100, ExtendedCapabilityId.Aer, 2, new byte[0x44])
            .ExtendedCapability(0x148, ExtendedCapabilityId.Acs, 1, new byte[4])
            .ExtendedCapability(0x200, 0x0042, 3, NoBody)
            .Build();

        CapabilityChain chain = CapabilityWalker.WalkExtended(c);

        Assert.Empty(chain.Problems);
        Assert.Equal(
            [
                new CapabilityEntry(0x100, 0x0001, 2, 0x148, true),
                new CapabilityEntry(0x148, 0x000D, 1, 0x200, true),
                new CapabilityEntry(0x200, 0x0042, 3, 0x000, true),
            ],
            chain.Entries);
    }

    [Fact]
    public void WalkExtended_HeaderWordDecodedByBitField_IdVersionNext()
    {
        // 0x100 = 0x1482_0010: next 0x148 (31:20), version 2 (19:16), ID 0x0010 (15:0).
        ConfigSpace c = TestSpaces.Endpoint()
            .Set32(0x100, 0x1482_0010)
            .Set32(0x148, 0x0001_000E)
            .Build();

        CapabilityChain chain = CapabilityWalker.WalkExtended(c);

        Assert.Equal((0x100, 0x0010, 2, 0x148), (chain.Entries[0].Offset, chain.Entries[0].Id, chain.Entries[0].Version, chain.Entries[0].Next));
        Assert.Equal((0x148, 0x000E, 1), (chain.Entries[1].Offset, chain.Entries[1].Id, chain.Entries[1].Version));
    }

    [Fact]
    public void WalkExtended_NextLowBitsSet_MasksThemOff()
    {
        // Next field 0x203: bits 1:0 masked, so the walk continues at 0x200.
        ConfigSpace c = TestSpaces.Endpoint()
            .Set32(0x100, (0x203u << 20) | 0x0001_0003)
            .Set32(0x200, 0x0001_000D)
            .Build();

        CapabilityChain chain = CapabilityWalker.WalkExtended(c);

        Assert.Empty(chain.Problems);
        Assert.Equal([0x100, 0x200], chain.Entries.Select(e => e.Offset));
    }

    [Theory]
    [InlineData(0x0000_0000u)] // all zeros at 0x100: no extended capabilities
    [InlineData(0xFFFF_FFFFu)] // all ones at 0x100: no extended space
    public void WalkExtended_EmptyMarkerAt0x100_ReturnsNoEntriesAndNoProblem(uint header)
    {
        ConfigSpace c = TestSpaces.Endpoint().Set32(0x100, header).Build();

        CapabilityChain chain = CapabilityWalker.WalkExtended(c);

        Assert.Empty(chain.Entries);
        Assert.Empty(chain.Problems);
    }

    [Theory]
    [InlineData(ConfigOffsets.HeaderSize)] // header only
    [InlineData(ConfigOffsets.ConventionalSize)] // conventional space only
    public void WalkExtended_NoExtendedSpaceCaptured_ReturnsNoEntriesAndNoProblem(int size)
    {
        ConfigSpace c = new ConfigSpaceBuilder(size).Identity(0x8086, 0x1521, 0x02_00_00).Build();

        CapabilityChain chain = CapabilityWalker.WalkExtended(c);

        Assert.Empty(chain.Entries);
        Assert.Empty(chain.Problems);
    }

    [Fact]
    public void WalkExtended_SelfLoop_ReportsLoopAt0x100()
    {
        ConfigSpace c = TestSpaces.Endpoint().Set32(0x100, (0x100u << 20) | 0x0001_0001).Build();

        CapabilityChain chain = CapabilityWalker.WalkExtended(c);

        Assert.Equal([0x100], chain.Entries.Select(e => e.Offset));
        ChainProblem p = Assert.Single(chain.Problems);
        Assert.Equal((ChainProblemKind.Loop, true, 0x100), (p.Kind, p.Extended, p.Offset));
    }

    [Fact]
    public void WalkExtended_LongerLoop_ReportsLoopAtRevisitedEntry()
    {
        // 0x100 -> 0x140 -> 0x180 -> back to 0x140.
        ConfigSpace c = TestSpaces.Endpoint()
            .ExtendedCapability(0x100, ExtendedCapabilityId.Aer, 1, NoBody)
            .ExtendedCapability(0x140, ExtendedCapabilityId.Acs, 1, NoBody)
            .ExtendedCapability(0x180, ExtendedCapabilityId.Ari, 1, NoBody)
            .Set32(0x180, (0x140u << 20) | 0x0001_000E)
            .Build();

        CapabilityChain chain = CapabilityWalker.WalkExtended(c);

        Assert.Equal([0x100, 0x140, 0x180], chain.Entries.Select(e => e.Offset));
        ChainProblem p = Assert.Single(chain.Problems);
        Assert.Equal((ChainProblemKind.Loop, true, 0x140), (p.Kind, p.Extended, p.Offset));
    }

    [Theory]
    [InlineData(0x0FC)] // just below the extended area
    [InlineData(0x040)] // into the standard capability area
    [InlineData(0x004)] // into the header
    public void WalkExtended_NextBelow0x100_ReportsPointerIntoHeader(int next)
    {
        ConfigSpace c = TestSpaces.Endpoint().Set32(0x100, ((uint)next << 20) | 0x0001_0001).Build();

        CapabilityChain chain = CapabilityWalker.WalkExtended(c);

        Assert.Equal([0x100], chain.Entries.Select(e => e.Offset));
        ChainProblem p = Assert.Single(chain.Problems);
        Assert.Equal((ChainProblemKind.PointerIntoHeader, true, next), (p.Kind, p.Extended, p.Offset));
    }

    [Fact]
    public void WalkExtended_CaptureShorterThanList_ReportsTruncatedAtMissingEntry()
    {
        ConfigSpaceBuilder b = TestSpaces.Endpoint()
            .ExtendedCapability(0x100, ExtendedCapabilityId.Aer, 1, new byte[0x44])
            .ExtendedCapability(0x200, ExtendedCapabilityId.Acs, 1, new byte[4]);

        CapabilityChain chain = CapabilityWalker.WalkExtended(TestSpaces.Truncate(b, 0x180));

        Assert.Equal([0x100], chain.Entries.Select(e => e.Offset));
        ChainProblem p = Assert.Single(chain.Problems);
        Assert.Equal((ChainProblemKind.Truncated, true, 0x200), (p.Kind, p.Extended, p.Offset));
    }

    [Fact]
    public void WalkExtended_EntryReadsAllOnesMidChain_ReportsAllOnes()
    {
        ConfigSpace c = TestSpaces.Endpoint()
            .ExtendedCapability(0x100, ExtendedCapabilityId.Aer, 1, NoBody)
            .Set32(0x100, (0x200u << 20) | 0x0001_0001)
            .Set32(0x200, 0xFFFF_FFFF)
            .Build();

        CapabilityChain chain = CapabilityWalker.WalkExtended(c);

        Assert.Equal([0x100], chain.Entries.Select(e => e.Offset));
        ChainProblem p = Assert.Single(chain.Problems);
        Assert.Equal((ChainProblemKind.AllOnes, true, 0x200), (p.Kind, p.Extended, p.Offset));
    }

    [Fact]
    public void WalkExtended_EntryReadsZeroMidChain_ReportsProblemInsteadOfEntry()
    {
        ConfigSpace c = TestSpaces.Endpoint().Set32(0x100, (0x200u << 20) | 0x0001_0001).Build();

        CapabilityChain chain = CapabilityWalker.WalkExtended(c);

        Assert.Equal([0x100], chain.Entries.Select(e => e.Offset));
        ChainProblem p = Assert.Single(chain.Problems);
        Assert.Equal((true, 0x200), (p.Extended, p.Offset));
    }

    [Theory]
    [InlineData(480, false)] // exactly the TTL: (4096 - 256) / 8
    [InlineData(481, true)] // one entry more than the TTL
    public void WalkExtended_ManyEntries_StopsAtTtl(int count, bool expectProblem)
    {
        // Header-only entries four bytes apart: 0x100, 0x104, ...
        ConfigSpaceBuilder b = TestSpaces.Endpoint();
        for (int i = 0; i < count; i++)
        {
            b.ExtendedCapability(0x100 + (4 * i), 0x0042, 1, NoBody);
        }

        CapabilityChain chain = CapabilityWalker.WalkExtended(b.Build());

        Assert.Equal(480, CapabilityWalker.ExtendedTtl);
        Assert.Equal(480, chain.Entries.Count);
        if (expectProblem)
        {
            ChainProblem p = Assert.Single(chain.Problems);
            Assert.Equal((ChainProblemKind.TooManyEntries, true, 0x100 + (4 * 480)), (p.Kind, p.Extended, p.Offset));
        }
        else
        {
            Assert.Empty(chain.Problems);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Walk_RandomBytes_NeverThrowsAndKeepsEntriesInRange(int seed)
    {
        var random = new Random(seed);
        for (int round = 0; round < 200; round++)
        {
            byte[] bytes = new byte[round % 2 == 0 ? ConfigOffsets.ExtendedSize : ConfigOffsets.ConventionalSize];
            random.NextBytes(bytes);
            bytes[ConfigOffsets.Status] |= (byte)PciStatus.CapabilitiesList;
            var c = new ConfigSpace(bytes);

            CapabilityChain standard = CapabilityWalker.WalkStandard(c);
            CapabilityChain extended = CapabilityWalker.WalkExtended(c);

            Assert.All(standard.Entries, e => Assert.InRange(e.Offset, 0x40, 0xFC));
            Assert.All(standard.Entries, e => Assert.Equal(0, e.Offset & 3));
            Assert.InRange(standard.Entries.Count, 0, CapabilityWalker.StandardTtl);
            Assert.Equal(standard.Entries.Count, standard.Entries.Select(e => e.Offset).Distinct().Count());
            Assert.All(extended.Entries, e => Assert.InRange(e.Offset, 0x100, 0xFFC));
            Assert.InRange(extended.Entries.Count, 0, CapabilityWalker.ExtendedTtl);
            Assert.Equal(extended.Entries.Count, extended.Entries.Select(e => e.Offset).Distinct().Count());
            Assert.InRange(standard.Problems.Count + extended.Problems.Count, 0, 2);
        }
    }
}
