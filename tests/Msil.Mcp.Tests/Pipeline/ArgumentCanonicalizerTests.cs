using System.Text;
using System.Text.Json;
using Msil.Mcp.Pipeline;

namespace Msil.Mcp.Tests.Pipeline;

/// <summary>
/// The canonical form that audit hashes and single-use grants depend on: sorted keys at every level, no whitespace,
/// and the same bytes whatever the previous call on the thread did (the writer and buffer are reused per thread).
/// </summary>
public sealed class ArgumentCanonicalizerTests
{
    private static readonly JsonSerializerOptions DeepJson = new() { MaxDepth = 256 };

    private static Dictionary<string, JsonElement> Args(string json)
        => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    [Fact]
    public void ToCanonicalJson_UnsortedNestedArguments_SortsKeysAtEveryLevel()
    {
        var bytes = ArgumentCanonicalizer.ToCanonicalJson(Args("""{ "b": 1, "a": { "z": [ { "y": 2, "x": 1 } ], "c": "s" } }"""));

        Assert.Equal("""{"a":{"c":"s","z":[{"x":1,"y":2}]},"b":1}""", Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void ToCanonicalJson_NullOrEmpty_IsEmptyObject()
    {
        Assert.Equal("{}", Encoding.UTF8.GetString(ArgumentCanonicalizer.ToCanonicalJson(null)));
        Assert.Equal("{}", Encoding.UTF8.GetString(ArgumentCanonicalizer.ToCanonicalJson(new Dictionary<string, JsonElement>())));
    }

    [Fact]
    public void ToCanonicalJson_AfterLargeAndFailedCalls_SameBytesAndHash()
    {
        var small = Args("""{ "message": "hello", "count": 3 }""");
        var first = ArgumentCanonicalizer.ToCanonicalJson(small);

        // A call larger than the retained buffer, then one that fails half-way (too deep), on the same thread.
        var large = ArgumentCanonicalizer.ToCanonicalJson(Args("{\"text\":\"" + new string('x', 40_000) + "\"}"));
        var deep = new StringBuilder("{\"a\":");
        for (var i = 0; i < 140; i++)
        {
            deep.Append('[');
        }

        deep.Append('1').Append(']', 140).Append('}');
        var deepArgs = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(deep.ToString(), DeepJson)!;
        Assert.Throws<JsonException>(() => ArgumentCanonicalizer.ToCanonicalJson(deepArgs));
        var again = ArgumentCanonicalizer.ToCanonicalJson(small);

        Assert.Equal(40_011, large.Length);
        Assert.Equal("""{"count":3,"message":"hello"}""", Encoding.UTF8.GetString(again));
        Assert.Equal(first, again);
        Assert.Equal(ArgumentCanonicalizer.Hash(first), ArgumentCanonicalizer.Hash(again));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(first)), ArgumentCanonicalizer.Hash(first));
    }
}
