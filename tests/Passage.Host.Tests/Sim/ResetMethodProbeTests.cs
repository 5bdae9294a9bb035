namespace Passage.Host.Tests.Sim;

public sealed class ResetMethodProbeTests(LabHost lab) : IClassFixture<LabHost>
{
    [Theory]
    [InlineData("0000:05:00.0", "flr,bus")] // I210: FLR; No_Soft_Reset blocks PM; alone on bus 5
    [InlineData("0000:02:00.0", "flr,pm,bus")] // AX210: FLR, PM (No_Soft_Reset clear), alone on bus 2
    [InlineData("0000:01:00.0", "")] // RX 580: no FLR, PM quirked off, shares bus 1 with its audio
    [InlineData("0000:01:00.1", "")] // audio: No_Soft_Reset set, shares bus 1
    [InlineData("0000:00:1f.2", "af_flr")] // ICH9 AHCI: Advanced Features FLR, root bus
    [InlineData("0000:00:1f.3", "")] // SMBus: nothing, root bus
    [InlineData("0000:00:01.0", "pm")] // root port: PM only; bridges never get a bus method
    public void Probe_LabFunctions_MatchLinuxOrder(string address, string methods)
    {
        Assert.Equal(methods, string.Join(',', lab[address].ResetMethods));
    }
}
