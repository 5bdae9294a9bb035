using Passage.Host.Inventory;
using Passage.Pci;

namespace Passage.Host.Tests;

public sealed class HostFunctionTests
{
    private static readonly ConfigSpace VirtioBlock =
        new(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "vm-00_02.0.config.bin")));

    [Fact]
    public void KnownRegisters_GivenAndCapabilityRanges_BothKept()
    {
        var given = new RegisterRange(0, 0x9000, 0x10, "model register");
        var f = new HostFunction(PciAddress.Parse("0000:00:02.0"), VirtioBlock, [new BarResource(0, 0x40_0008_0000, 0x80000, BarResource.MemFlag)],
            "virtio-pci", null, [], null, null, [given]);

        Assert.Equal(given, f.KnownRegisters[0]);
        // The four virtio structure locators of the real device: common, ISR, device, notify.
        Assert.Equal([0x0000UL, 0x2000UL, 0x4000UL, 0x6000UL], f.KnownRegisters.Skip(1).Select(r => r.Offset).Order());
    }

    [Fact]
    public void Decoded_ResourcesGiveBarAndRomSizes()
    {
        var f = new HostFunction(PciAddress.Parse("0000:00:02.0"), VirtioBlock,
            [new BarResource(0, 0x40_0008_0000, 0x80000, BarResource.MemFlag), new BarResource(BarResource.RomIndex, 0xFEB0_0000, 0x40000, BarResource.MemFlag)],
            null, null, [], null, null, []);

        Assert.Equal(0x80000UL, f.Decoded.Bars.Single().Size);
        Assert.Equal(0x80000UL, f.BarSize(0));
        Assert.Equal(0UL, f.BarSize(2));
        // The ROM BAR reads zero in config space, but the host says it is implemented: listed, unassigned, with its size.
        Assert.Equal(new ExpansionRom(0, false, 0x40000), f.Decoded.Rom);
    }
}
