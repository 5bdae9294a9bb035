using Passage.Host.Inventory;
using Passage.Pci;

namespace Passage.Host.Tests;

public sealed class HostInventoryTests
{
    private static HostFunction Function(string address, string? parent) =>
        new(PciAddress.Parse(address), new ConfigSpaceBuilder(256).Identity(0x8086, 0x1533, 0x020000).Build(), [], null, null, [], null,
            parent is null ? null : PciAddress.Parse(parent), []);

    [Fact]
    public void Below_ReturnsWholeSubtree()
    {
        var inventory = new HostInventory("test", "test", [
            Function("0000:00:01.0", null),
            Function("0000:01:00.0", "0000:00:01.0"),
            Function("0000:02:00.0", "0000:01:00.0"),
            Function("0000:00:02.0", null),
        ], iommuPresent: false);

        Assert.Equal(["0000:01:00.0", "0000:02:00.0"], inventory.Below(PciAddress.Parse("0000:00:01.0")).Select(f => f.Address.ToString()));
        Assert.Empty(inventory.Below(PciAddress.Parse("0000:00:02.0")));
    }
}
