using CsCheck;
using Passage.Store.Persistence;

namespace Passage.Store.Tests.Persistence;

public sealed class SqliteChildNamesTests
{
    [Fact]
    public void Encode_TwoNames_EachFollowedByNul()
    {
        byte[] encoded = SqliteChildNames.Encode(["a", "b-"]);

        Assert.Equal(new byte[] { (byte)'a', 0, (byte)'b', (byte)'-', 0 }, encoded);
    }

    [Fact]
    public void Encode_NoNames_EmptyBlob()
    {
        Assert.Empty(SqliteChildNames.Encode([]));
        Assert.Empty(SqliteChildNames.Decode([]));
    }

    [Fact]
    public void Decode_EncodedNames_SameNamesInSameOrder()
    {
        // Names of the legal path alphabet, plus arbitrary text without NUL (the format allows it).
        Gen<string> legal = Gen.Char["ABCXYZabcxyz0189-_@"].Array[1, 12].Select(c => new string(c));
        Gen<string> other = Gen.String.Where(s => !s.Contains('\0', StringComparison.Ordinal));
        Gen.OneOf(legal, other).List[0, 20].Sample(names =>
        {
            string[] decoded = SqliteChildNames.Decode(SqliteChildNames.Encode(names));
            Assert.Equal(names, decoded);
        });
    }

    [Theory]
    [InlineData("a\0b", false)] // a NUL inside a name cannot be stored
    [InlineData("a-b_c@d", true)] // every legal character
    [InlineData("", true)] // an empty name still round-trips
    public void AreEncodable_Name_TrueUnlessItHoldsNul(string name, bool expected)
    {
        Assert.Equal(expected, SqliteChildNames.AreEncodable(["ok", name]));
    }

    [Fact]
    public void Decode_EmptyName_RoundTrips()
    {
        Assert.Equal(["", "x", ""], SqliteChildNames.Decode(SqliteChildNames.Encode(["", "x", ""])));
    }
}
