using Passage.Pci.Capabilities;

namespace Passage.Vpci.Tests.Function;

public sealed class SmokeTests
{
    [Fact]
    public void Nic_MsixBringUp_DeliversEveryVector()
    {
        using var lab = GuestLab.Open("0000:05:00.0");
        ulong[] bars = lab.Enable();
        int msix = lab.FindCapability(CapabilityId.MsiX);
        Assert.True(msix > 0);
        lab.Write(msix + 2, 2, 0xC000);
        for (int v = 0; v < 5; v++)
        {
            ulong entry = bars[3] + (ulong)(16 * v);
            lab.MmioWrite(entry, 4, 0xFEE0_0000);
            lab.MmioWrite(entry + 4, 4, 0);
            lab.MmioWrite(entry + 8, 4, (ulong)(0x40 + v));
            lab.MmioWrite(entry + 12, 4, 0);
        }

        lab.Write(msix + 2, 2, 0x8000);
        for (int v = 0; v < 5; v++)
        {
            lab.Ring(bars, v);
        }

        Assert.Equal(string.Join(",", Enumerable.Range(0x40, 5)), string.Join(",", lab.Sink.Messages.Select(m => (int)m.Data)));
        Assert.Empty(lab.Log);
    }
}
