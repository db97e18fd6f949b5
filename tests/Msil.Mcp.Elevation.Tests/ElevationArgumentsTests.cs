using System.Security.Cryptography;
using System.Text;
using Msil.Mcp.Elevation.Tests.Support;

namespace Msil.Mcp.Elevation.Tests;

/// <summary>The canonical-arguments hash single-use grants are bound to.</summary>
public sealed class ElevationArgumentsTests
{
    [Fact]
    public void Hash_NoArguments_IsSha256OfEmptyObject()
    {
        Assert.Equal("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", ElevationArguments.Hash(TestTools.Args("{}")));
        Assert.Equal(ElevationArguments.Hash(TestTools.Args("{}")), ElevationArguments.Hash(null));
    }

    [Fact]
    public void Hash_KnownArguments_IsLowerHexSha256OfSortedCompactJson()
    {
        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("""{"a":[3,{"x":1,"y":2}],"b":"C042"}""")));

        Assert.Equal(expected, ElevationArguments.Hash(TestTools.Args("""{ "b": "C042", "a": [3, {"y": 2, "x": 1}] }""")));
    }

    [Fact]
    public void Hash_KeyOrderAndWhitespace_DoNotMatter()
    {
        Assert.Equal(
            ElevationArguments.Hash(TestTools.Args("""{"id":"C042","reason":"gdpr","nested":{"b":1,"a":2}}""")),
            ElevationArguments.Hash(TestTools.Args("""{ "nested": { "a": 2, "b": 1 }, "reason": "gdpr", "id": "C042" }""")));
    }

    [Fact]
    public void Hash_ArrayOrderOrValues_Matter()
    {
        Assert.NotEqual(ElevationArguments.Hash(TestTools.Args("""{"ids":[1,2]}""")), ElevationArguments.Hash(TestTools.Args("""{"ids":[2,1]}""")));
        Assert.NotEqual(ElevationArguments.Hash(TestTools.Args("""{"id":"C042"}""")), ElevationArguments.Hash(TestTools.Args("""{"id":"C043"}""")));
    }

    [Theory]
    [InlineData("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", true)]
    [InlineData("44136FA355B3678A1146AD16F7E8649E94FB4FC21FE77E8310C060F61CAAFF8A", true)]
    [InlineData("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8", false)]
    [InlineData("zz136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", false)]
    [InlineData("", false)]
    public void IsWellFormed_Candidate_AcceptsOnly64HexDigits(string value, bool expected)
        => Assert.Equal(expected, ElevationArguments.IsWellFormed(value));
}
