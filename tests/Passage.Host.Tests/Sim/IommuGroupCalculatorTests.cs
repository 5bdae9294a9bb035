namespace Passage.Host.Tests.Sim;

public sealed class IommuGroupCalculatorTests(LabHost lab) : IClassFixture<LabHost>
{
    private int? Group(string address) => lab[address].IommuGroup;

    [Fact]
    public void Assign_RootPortWithoutAcs_EndpointJoinsThePortsGroup()
    {
        Assert.Equal(Group("0000:00:1c.0"), Group("0000:02:00.0"));
    }

    [Fact]
    public void Assign_MultiFunctionWithAcs_EachFunctionAlone()
    {
        Assert.NotEqual(Group("0000:01:00.0"), Group("0000:01:00.1"));
        Assert.NotEqual(Group("0000:00:01.0"), Group("0000:01:00.0"));
    }

    [Fact]
    public void Assign_MultiFunctionWithoutAcs_FunctionsShareAGroup()
    {
        Assert.Equal(Group("0000:00:1f.0"), Group("0000:00:1f.2"));
        Assert.Equal(Group("0000:00:1f.0"), Group("0000:00:1f.3"));
    }

    [Fact]
    public void Assign_AcsAllTheWayUp_EndpointAlone()
    {
        int nic = Group("0000:05:00.0")!.Value;
        Assert.Single(lab.Inventory.GroupMembers(nic));
        Assert.NotEqual(Group("0000:04:08.0"), nic);
    }

    [Fact]
    public void Assign_DownstreamPortWithoutAcs_EndpointJoinsThePort()
    {
        Assert.Equal(Group("0000:04:0a.0"), Group("0000:07:00.0"));
    }

    [Fact]
    public void Assign_Lab_GroupsNumberedFromZeroInEnumerationOrder()
    {
        Assert.Equal(0, Group("0000:00:00.0"));
        Assert.Equal(1, Group("0000:00:01.0"));
        var groups = lab.Inventory.Functions.Select(f => f.IommuGroup!.Value).Distinct().Order().ToList();
        Assert.Equal(Enumerable.Range(0, groups.Count), groups);
    }
}
