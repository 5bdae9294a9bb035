using Passage.Host.Sim.Runtime;
using Passage.Pci;

namespace Passage.Host.Tests.Sim;

public sealed class SimFunctionHotPathTests
{
    [Fact]
    public void AccessPaths_AfterWarmUp_AllocateNothing()
    {
        SimFunction nic = SimLab.Function("0000:05:00.0");
        RecordingSink sink = nic.Record();
        nic.EnableMsix();
        nic.ProgramEntry(0, 0xFEE0_0000, 0x41, masked: false);
        nic.WriteBar(0, 0x100, 4, 1);
        sink.Msix.Capacity = 4096;
        Exercise(nic);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            Exercise(nic);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(sink.Msix.Count > 1000);
    }

    [Fact]
    public void AccessPaths_RandomAccesses_NeverThrowAndKeepIdentity()
    {
        SimHost host = SimLab.Start();
        var random = new Random(20261123);
        int[] sizes = [1, 2, 3, 4, 8];
        foreach (SimFunction f in host.Functions)
        {
            uint identity = f.ReadConfig(ConfigOffsets.VendorId, 4);
            for (int i = 0; i < 2000; i++)
            {
                int size = sizes[random.Next(sizes.Length)];
                f.WriteConfig(random.Next(-8, f.ConfigSize + 8), size, (uint)random.Next());
                f.WriteBar(random.Next(-1, 8), (ulong)random.Next(0, 0x40000), size, (ulong)random.NextInt64());
                f.ReadBar(random.Next(-1, 8), (ulong)random.Next(0, 0x40000), size);
                f.RaiseInterrupt(random.Next(-1, 40));
            }

            host.Clock.Advance(TimeSpan.FromSeconds(2));
            if (f.IsReady)
            {
                Assert.Equal(identity, f.ReadConfig(ConfigOffsets.VendorId, 4));
            }
        }
    }

    [Fact]
    public void WriteConfig_UnsupportedPowerState_KeepsCurrentState()
    {
        SimFunction wifi = SimLab.Function("0000:02:00.0");
        int pmcsr = wifi.Function.Decoded.PowerManagement!.Offset + 4;
        wifi.WriteConfig(pmcsr, 2, 1);
        Assert.Equal(0, wifi.PowerState);
        wifi.WriteConfig(pmcsr, 2, 2);
        Assert.Equal(0, wifi.PowerState);
    }

    private static void Exercise(SimFunction nic)
    {
        nic.ReadConfig(ConfigOffsets.Command, 2);
        nic.WriteConfig(ConfigOffsets.Command, 2, (uint)(PciCommand.MemorySpace | PciCommand.BusMaster));
        nic.ReadBar(0, 0x100, 4);
        nic.WriteBar(0, 0x100, 4, 2);
        nic.ReadBar(3, 12, 4);
        nic.WriteBar(3, 12, 4, 0);
        nic.WriteBar(0, 0x1F000, 4, 0);
        nic.RaiseInterrupt(0);
    }
}
