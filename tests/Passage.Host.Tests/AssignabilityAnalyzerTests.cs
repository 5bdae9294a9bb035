using Passage.Host.Inventory;
using Passage.Host.Tests.Sim;

namespace Passage.Host.Tests;

public sealed class AssignabilityAnalyzerTests(LabHost lab) : IClassFixture<LabHost>
{
    private AssignabilityVerdict Verdict(string address) => AssignabilityAnalyzer.Analyze(lab.Inventory, lab[address]);

    [Theory]
    [InlineData("0000:05:00.0", true, "")] // I210 alone in its group, FLR, MSI-X in its own BAR
    [InlineData("0000:06:00.0", true, "")] // NVMe: table and PBA pages hold nothing else
    [InlineData("0000:02:00.0", true, "msix-table-page-shared")] // AX210: control registers in the table page
    [InlineData("0000:01:00.0", false, "reset-scope-shared")] // RX 580: bus reset also resets the audio function
    [InlineData("0000:01:00.1", false, "reset-scope-shared")] // and the other way round
    [InlineData("0000:07:00.0", false, "msix-pba-outside-bar")] // T5 VF: PBA beyond its BAR
    [InlineData("0000:00:1f.2", false, "group-not-viable")] // AHCI: LPC and SMBus bound to host drivers
    [InlineData("0000:00:1f.3", false, "group-not-viable,no-reset-method")] // SMBus: also no reset at all
    [InlineData("0000:00:01.0", false, "bridge")] // root port
    [InlineData("0000:00:00.0", false, "bridge")] // host bridge (class 06)
    [InlineData("0000:00:1f.0", false, "bridge,group-not-viable")] // LPC is an ISA bridge; bridges get no reset verdict
    public void Analyze_LabFunctions_NameEveryReason(string address, bool assignable, string codes)
    {
        AssignabilityVerdict verdict = Verdict(address);
        Assert.Equal(assignable, verdict.Assignable);
        Assert.Equal(codes, string.Join(',', verdict.Codes));
    }

    [Fact]
    public void Analyze_SharedTablePage_NamesTheRegistersAndIsOnlyAWarning()
    {
        VerdictReason reason = Verdict("0000:02:00.0").Reasons.Single();
        Assert.False(reason.Blocking);
        Assert.Contains("control registers (BAR0+0x2800)", reason.Message, StringComparison.Ordinal);
        Assert.Contains("BAR0+0x2000", reason.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_GpuPair_MessageNamesThePeerOutsideTheGroup()
    {
        VerdictReason reason = Verdict("0000:01:00.0").Reasons.Single(r => r.Code == VerdictCodes.ResetScopeShared);
        Assert.True(reason.Blocking);
        Assert.Contains("0000:01:00.1", reason.Message, StringComparison.Ordinal);
        Assert.Contains("0000:00:01.0", reason.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_GroupNotViable_ListsHostOwnedMembersWithDrivers()
    {
        string message = Verdict("0000:00:1f.2").Reasons.Single(r => r.Code == VerdictCodes.GroupNotViable).Message;
        Assert.Contains("0000:00:1f.0 (lpc_ich)", message, StringComparison.Ordinal);
        Assert.Contains("0000:00:1f.3 (i801_smbus)", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_WifiGroupHoldsItsRootPort_StillViable()
    {
        // pcieport on a bridge leaves the group viable, as Linux allows.
        Assert.Equal(2, lab.Inventory.GroupMembers(lab["0000:02:00.0"].IommuGroup!.Value).Count());
        Assert.DoesNotContain(VerdictCodes.GroupNotViable, Verdict("0000:02:00.0").Codes);
    }

    [Fact]
    public void ResetScope_GpuPair_BusScopeCoversBothFunctions()
    {
        ResetScope scope = ResetScope.For(lab.Inventory, lab["0000:01:00.0"]);
        Assert.Equal(ResetScopeKind.Bus, scope.Kind);
        Assert.Equal(["0000:01:00.0", "0000:01:00.1"], scope.Members.Select(a => a.ToString()));
    }
}
