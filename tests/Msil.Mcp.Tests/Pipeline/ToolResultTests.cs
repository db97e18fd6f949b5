using System.Text;
using System.Text.Json;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Tests.Pipeline;

/// <summary>
/// A <see cref="ToolResult"/> made from JSON bytes: its text and structured content are what decoding and parsing the
/// bytes give (an array wrapped as <c>{"items": …}</c>), produced only when read, and replaced consistently by <c>with</c>.
/// </summary>
public sealed class ToolResultTests
{
    [Theory]
    [InlineData("""{"a":"é \u00e9 😀","n":[1.50,-0]}""")]
    [InlineData(""" { "spaced" : true } """)]
    [InlineData("{}")]
    public void Ctor_JsonObject_TextIsTheJsonAndStructuredContentItsParse(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);

        var result = new ToolResult(bytes);

        Assert.Equal(json, result.Text);
        Assert.True(JsonElement.DeepEquals(JsonElement.Parse(json), result.StructuredContent!.Value));
        Assert.Equal(JsonValueKind.Object, result.StructuredContent.Value.ValueKind);
        Assert.True(result.Utf8Json.Span.SequenceEqual(bytes));
        Assert.Same(result.Text, result.Text); // decoded once
    }

    [Theory]
    [InlineData("[]")]
    [InlineData(" [1,{\"b\":[null]}] ")]
    public void Ctor_JsonArray_StructuredContentIsTheArrayUnderItems(string json)
    {
        var result = new ToolResult(Encoding.UTF8.GetBytes(json));

        Assert.Equal(json, result.Text);
        Assert.True(JsonElement.DeepEquals(JsonElement.Parse("{\"items\":" + json + "}"), result.StructuredContent!.Value));
    }

    [Theory]
    [InlineData("")]
    [InlineData("42")]
    [InlineData("\"text\"")]
    [InlineData("null")]
    [InlineData("{\"a\":1")]
    [InlineData("{\"a\":1} trailing")]
    [InlineData("{'a':1}")]
    [InlineData("[1,]")]
    public void Ctor_NotAJsonObjectOrArray_Throws(string json)
        => Assert.Throws<ArgumentException>(() => new ToolResult(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void Ctor_InvalidUtf8_Throws()
    {
        byte[] invalid = [(byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0xC3, (byte)'"', (byte)'}'];
        byte[] bom = [0xEF, 0xBB, 0xBF, (byte)'{', (byte)'}'];

        Assert.Throws<ArgumentException>(() => new ToolResult(invalid));
        Assert.Throws<ArgumentException>(() => new ToolResult(bom));
    }

    [Fact]
    public void Ctor_NestingAsDeepAsAParseAllows_AcceptedOneLevelMoreThrows()
    {
        static byte[] Objects(int depth) => Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"d\":", depth - 1)) + "{}" + new string('}', depth - 1));
        static byte[] Arrays(int depth) => Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth));

        Assert.Equal(JsonValueKind.Object, new ToolResult(Objects(64)).StructuredContent!.Value.ValueKind);
        Assert.Throws<ArgumentException>(() => new ToolResult(Objects(65)));

        // An array is wrapped in {"items": …}: one level fewer, so that the wrapper parses as it did before.
        Assert.Equal(JsonValueKind.Object, new ToolResult(Arrays(63)).StructuredContent!.Value.ValueKind);
        Assert.Throws<ArgumentException>(() => new ToolResult(Arrays(64)));
    }

    [Fact]
    public void With_TextOrStructuredContentReplaced_TheOtherKeptAndTheBytesLeft()
    {
        var result = new ToolResult("""{"a":1}"""u8.ToArray()) { BackendStatus = 200, Size = 7 };

        var withText = result with { Text = "other" };
        var withStructure = result with { StructuredContent = null };
        var withStatus = result with { BackendStatus = 201 };

        Assert.Equal("other", withText.Text);
        Assert.True(JsonElement.DeepEquals(JsonElement.Parse("""{"a":1}"""), withText.StructuredContent!.Value));
        Assert.True(withText.Utf8Json.IsEmpty);
        Assert.Null(withStructure.StructuredContent);
        Assert.Equal("""{"a":1}""", withStructure.Text);
        Assert.True(withStructure.Utf8Json.IsEmpty);
        Assert.False(withStatus.Utf8Json.IsEmpty);
        Assert.Equal("""{"a":1}""", withStatus.Text);
        Assert.Equal(7, withStatus.Size);
    }

    [Fact]
    public void Ctor_FromParts_NoBytes()
    {
        var result = new ToolResult { Text = "{}", StructuredContent = JsonElement.Parse("{}") };

        Assert.True(result.Utf8Json.IsEmpty);
        Assert.Equal("{}", result.Text);
    }
}
