using Passage.Host.Sim;

namespace Passage.Host.Tests.Sim;

public sealed class TopologyValidationTests
{
    [Theory]
    [InlineData("{", "t.json: line")] // not JSON
    [InlineData("null", "holds no topology")] // JSON null
    [InlineData("{\"devices\": []}", "\"devices\" must list at least one function")] // empty
    [InlineData("{\"devices\": [{\"slot\": \"00.0\", \"model\": \"toaster\"}]}", "devices[0]: unknown model 'toaster' (known: host-bridge")] // unknown model
    [InlineData("{\"devices\": [{\"slot\": \"0.0.0\", \"model\": \"host-bridge\"}]}", "devices[0]: slot '0.0.0' is not DD.F")] // bad slot
    [InlineData("{\"devices\": [{\"slot\": \"20.0\", \"model\": \"host-bridge\"}]}", "slot '20.0' is not DD.F")] // device above 0x1f
    [InlineData("{\"devices\": [{\"slot\": \"00.0\", \"model\": \"host-bridge\"}, {\"slot\": \"00.0\", \"model\": \"nic-i210\"}]}", "devices[1]: slot 00.0 appears twice on bus 00")] // duplicate slot
    [InlineData("{\"devices\": [{\"slot\": \"00.0\", \"model\": \"nic-i210\", \"children\": [{\"slot\": \"00.0\", \"model\": \"nic-i210\"}]}]}", "not a bridge and cannot have children")] // children on an endpoint
    [InlineData("{\"devices\": [{\"slot\": \"00.0\", \"model\": \"nic-i210\", \"acs\": true}]}", "model 'nic-i210' has no ACS option")] // ACS on an endpoint
    [InlineData("{\"devices\": [{\"slot\": \"00.0\", \"model\": \"nic-i210\", \"numaNode\": -2}]}", "numaNode must be 0–1023")] // bad NUMA node
    [InlineData("{\"devices\": [{\"slot\": \"00.0\", \"modle\": \"nic-i210\"}]}", "line 1: $.devices[0].modle: The JSON property 'modle' is not a known key")] // unknown key
    [InlineData("{\"devices\": [{\"slot\": \"00.0\", \"model\": \"nic-i210\", \"numaNode\": \"zero\"}]}", "$.devices[0].numaNode: The JSON value has the wrong type")] // wrong type
    [InlineData("{\"segment\": 70000, \"devices\": [{\"slot\": \"00.0\", \"model\": \"nic-i210\"}]}", "\"segment\" must be 0–65535")] // bad segment
    [InlineData("{\"devices\": [{\"slot\": \"01.0\", \"model\": \"root-port\", \"children\": [{\"slot\": \"00.0\", \"model\": \"x\"}]}]}", "devices[0].children[0]: unknown model 'x'")] // nested path
    public void FromJson_InvalidTopology_ThrowsWithFileAndPlace(string json, string expected)
    {
        TopologyException e = Assert.Throws<TopologyException>(() => SimulatedHost.FromJson(json, "t.json"));
        Assert.StartsWith("t.json: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Load_MissingFile_ThrowsNamingThePath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"passage-missing-{Guid.NewGuid():N}.json");
        TopologyException e = Assert.Throws<TopologyException>(() => SimulatedHost.Load(path));
        Assert.StartsWith($"{path}: cannot read topology file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_BusNumbersRunOut_Throws()
    {
        // 256 root ports on bus 0 need secondary buses 1–256; bus numbers end at 255.
        var ports = from device in Enumerable.Range(0, 32)
                    from function in Enumerable.Range(0, 8)
                    select $"{{\"slot\": \"{device:x2}.{function}\", \"model\": \"root-port\"}}";
        TopologyException e = Assert.Throws<TopologyException>(() => SimulatedHost.FromJson($"{{\"devices\": [{string.Join(',', ports)}]}}", "wide.json"));
        Assert.Contains("devices[255].children: no bus numbers left", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_MinimalHost_BuildsOneFunctionWithDefaults()
    {
        var inventory = SimulatedHost.FromJson("{\"name\": \"tiny\", \"devices\": [{\"slot\": \"03.0\", \"model\": \"nvme-970evo\"}]}", "tiny.json");
        var f = Assert.Single(inventory.Functions);
        Assert.Equal("0000:00:03.0", f.Address.ToString());
        Assert.Equal("nvme", f.Driver);
        Assert.Equal(0, f.NumaNode);
        Assert.Equal("sim:tiny.json", inventory.Source);
        Assert.Contains("tiny", inventory.Description, StringComparison.Ordinal);
    }
}
