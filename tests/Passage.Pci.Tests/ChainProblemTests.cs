using Passage.Pci.Capabilities;

namespace Passage.Pci.Tests;

public sealed class ChainProblemTests
{
    [Theory]
    [InlineData(ChainProblemKind.Loop, "chain-loop")] // loop
    [InlineData(ChainProblemKind.PointerIntoHeader, "chain-pointer-into-header")] // bad pointer
    [InlineData(ChainProblemKind.Truncated, "chain-truncated")] // past the capture
    [InlineData(ChainProblemKind.TooManyEntries, "chain-too-long")] // TTL
    [InlineData(ChainProblemKind.AllOnes, "chain-all-ones")] // not answering
    public void Code_Kind_IsStableScriptCode(ChainProblemKind kind, string code)
    {
        Assert.Equal(code, new ChainProblem(kind, false, 0x40, "m").Code);
    }

    [Fact]
    public void Message_WalkerProblems_NameTheOffsetInHex()
    {
        ConfigSpace c = TestSpaces.Endpoint()
            .Capability(0x40, CapabilityId.PowerManagement, new byte[6])
            .Set8(0x41, 0x40)
            .Set32(0x100, (0x0C0u << 20) | 0x0001_0001)
            .Build();

        ChainProblem standard = Assert.Single(CapabilityWalker.WalkStandard(c).Problems);
        ChainProblem extended = Assert.Single(CapabilityWalker.WalkExtended(c).Problems);

        Assert.Contains("0x40", standard.Message, StringComparison.Ordinal);
        Assert.Contains("0x0c0", extended.Message, StringComparison.Ordinal);
    }
}
