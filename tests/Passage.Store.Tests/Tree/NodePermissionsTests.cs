using Passage.Store.Tree;

namespace Passage.Store.Tests.Tree;

/// <summary>Permission lists: parsing, text and wire forms, evaluation (store.md §5).</summary>
public sealed class NodePermissionsTests
{
    [Fact]
    public void TryParseWire_List_TextAndWireRoundTrip()
    {
        Assert.True(NodePermissions.TryParseWire("n0\0r5\0b7\0w9\0"u8, out NodePermissions? permissions));

        Assert.Equal("n0,r5,b7,w9", permissions!.Text);
        Assert.Equal(0, permissions.Owner);
        byte[] wire = new byte[permissions.WireLength];
        permissions.WriteWire(wire);
        Assert.Equal("n0\0r5\0b7\0w9\0"u8.ToArray(), wire);
        Assert.Equal(permissions.Text, NodePermissions.ParseText(permissions.Text).Text);
    }

    [Theory]
    [InlineData("")] // no entry
    [InlineData("n0")] // missing final NUL
    [InlineData("x5\0")] // bad letter
    [InlineData("r\0")] // no domid
    [InlineData("r+5\0")] // sign
    [InlineData("n0\0\0")] // empty entry
    public void TryParseWire_Malformed_False(string wire)
    {
        Assert.False(NodePermissions.TryParseWire(System.Text.Encoding.ASCII.GetBytes(wire), out _));
    }

    [Theory]
    [InlineData(0, -1, 3)] // owner
    [InlineData(5, -1, 1)] // explicit entry
    [InlineData(6, -1, 2)] // explicit entry
    [InlineData(8, -1, 0)] // owner's letter as default
    [InlineData(9, 0, 3)] // a stub domain of the owner
    [InlineData(9, 5, 1)] // an entry naming the target
    public void AccessFor_EvaluationOrder(int domainId, int targetId, int expected)
    {
        NodePermissions permissions = NodePermissions.ParseText("n0,r5,w6");

        Assert.Equal((PermissionAccess)expected, permissions.AccessFor(domainId, targetId));
    }

    [Fact]
    public void WithOwner_ReplacesOwnerKeepsLetterAndEntries()
    {
        Assert.Equal("n5,b5,r7", NodePermissions.ParseText("n0,b5,r7").WithOwner(5).Text);
    }
}
