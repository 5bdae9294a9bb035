using Passage.Host.Inventory;
using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Tests;

/// <summary>Verdict rules that the lab host does not exercise, on hand-built inventories.</summary>
public sealed class AssignabilityEdgeCaseTests
{
    private static ConfigSpace Endpoint(Action<ConfigSpaceBuilder>? more = null)
    {
        var b = new ConfigSpaceBuilder(4096).Identity(0x8086, 0x1533, 0x020000)
            .Bar(0, BarKind.Mem64, 0xF000_0000)
            .Capability(0x40, CapabilityId.PciExpress, CapabilityLayouts.PciExpress(PcieDeviceType.Endpoint, flr: true));
        more?.Invoke(b);
        return b.Build();
    }

    private static HostFunction Function(string address, ConfigSpace config, int? group, string? driver = null, string[]? reset = null,
        string? parent = null, ulong barSize = 0x4000, RegisterRange[]? registers = null) =>
        new(PciAddress.Parse(address), config, [new BarResource(0, 0xF000_0000, barSize, BarResource.MemFlag)], driver, group,
            reset ?? ["flr"], null, parent is null ? null : PciAddress.Parse(parent), registers ?? []);

    [Fact]
    public void Analyze_HostWithoutIommu_SaysSo()
    {
        var f = Function("0000:00:03.0", Endpoint(), group: null);
        var inventory = new HostInventory("t", "t", [f], iommuPresent: false);
        VerdictReason reason = AssignabilityAnalyzer.Analyze(inventory, f).Reasons.Single();
        Assert.Equal(VerdictCodes.NoIommuGroup, reason.Code);
        Assert.Contains("no IOMMU groups", reason.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_BusResetWithinOneGroup_IsOnlyAWarning()
    {
        var a = Function("0000:01:00.0", Endpoint(), group: 4, reset: [], parent: "0000:00:01.0");
        var b = Function("0000:01:00.1", Endpoint(), group: 4, reset: [], parent: "0000:00:01.0");
        var inventory = new HostInventory("t", "t", [a, b], iommuPresent: true);
        AssignabilityVerdict verdict = AssignabilityAnalyzer.Analyze(inventory, a);
        Assert.True(verdict.Assignable);
        Assert.Equal([VerdictCodes.BusResetOnly], verdict.Codes);
        Assert.Contains("0000:01:00.1", verdict.Reasons[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_NoResetOnRootBus_Blocks()
    {
        var f = Function("0000:00:03.0", Endpoint(), group: 1, reset: []);
        AssignabilityVerdict verdict = AssignabilityAnalyzer.Analyze(new HostInventory("t", "t", [f], true), f);
        Assert.False(verdict.Assignable);
        Assert.Equal([VerdictCodes.NoResetMethod], verdict.Codes);
    }

    [Theory]
    [InlineData(0u, 0x3000u, 0x4000UL, "")] // both inside a 16 KiB BAR
    [InlineData(0x3FC0u, 0x3000u, 0x4000UL, "msix-table-outside-bar")] // 8 entries = 128 bytes from 0x3FC0 end past 0x4000
    [InlineData(0u, 0x4000u, 0x4000UL, "msix-pba-outside-bar")] // PBA starts at the BAR's end
    [InlineData(0u, 0x3000u, 0UL, "")] // BAR size unknown: nothing to hold against it
    public void Analyze_MsixPlacement_ChecksBothStructuresAgainstBarSize(uint table, uint pba, ulong barSize, string codes)
    {
        ConfigSpace config = Endpoint(b => b.Capability(0x80, CapabilityId.MsiX, CapabilityLayouts.Msix(8, 0, table, 0, pba)));
        var f = new HostFunction(PciAddress.Parse("0000:00:03.0"), config, barSize == 0 ? [] : [new BarResource(0, 0xF000_0000, barSize, BarResource.MemFlag)],
            null, 1, ["flr"], null, null, []);
        Assert.Equal(codes, string.Join(',', AssignabilityAnalyzer.Analyze(new HostInventory("t", "t", [f], true), f).Codes));
    }

    [Fact]
    public void Analyze_MsixNamesMissingBar_Blocks()
    {
        ConfigSpace config = Endpoint(b => b.Capability(0x80, CapabilityId.MsiX, CapabilityLayouts.Msix(8, 4, 0, 4, 0x1000)));
        var f = Function("0000:00:03.0", config, group: 1);
        AssignabilityVerdict verdict = AssignabilityAnalyzer.Analyze(new HostInventory("t", "t", [f], true), f);
        Assert.Equal([VerdictCodes.MsixTableOutsideBar, VerdictCodes.MsixPbaOutsideBar], verdict.Codes);
        Assert.Contains("BAR4", verdict.Reasons[0].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x1000UL, 0x100UL, "msix-pba-page-shared")] // registers in the PBA's page (0x1000–0x1FFF)
    [InlineData(0x0FF0UL, 0x10UL, "msix-table-page-shared")] // registers at the end of the table's page
    [InlineData(0x2000UL, 0x1000UL, "")] // a page of its own
    [InlineData(0x0800UL, 0x1000UL, "msix-table-page-shared,msix-pba-page-shared")] // straddles both pages
    public void Analyze_RegistersBesideMsix_WarnPerPage(ulong offset, ulong length, string codes)
    {
        ConfigSpace config = Endpoint(b => b.Capability(0x80, CapabilityId.MsiX, CapabilityLayouts.Msix(8, 0, 0, 0, 0x1800)));
        var f = Function("0000:00:03.0", config, group: 1, registers: [new RegisterRange(0, offset, length, "regs")]);
        AssignabilityVerdict verdict = AssignabilityAnalyzer.Analyze(new HostInventory("t", "t", [f], true), f);
        Assert.True(verdict.Assignable);
        Assert.Equal(codes, string.Join(',', verdict.Codes));
    }
}
