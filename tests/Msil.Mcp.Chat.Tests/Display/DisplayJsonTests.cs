using System.Text.Json;
using Msil.Mcp.Display;

namespace Msil.Mcp.Chat.Tests.Display;

public sealed class DisplayJsonTests
{
    [Fact]
    public void FormatText_EscapedBackendJson_IndentsAndShowsCharactersAsThemselves()
    {
        const string Body = """{"key":"ZXi\u002B/a=","name":"Z\u00FCrich \u0026 <Co>","price":1.50,"tags":[],"meta":{},"ok":true,"none":null,"list":[1,"two"]}""";

        var shown = DisplayJson.FormatText(Body);

        Assert.Equal(
            """
            {
              "key": "ZXi+/a=",
              "name": "Zürich & <Co>",
              "price": 1.50,
              "tags": [],
              "meta": {},
              "ok": true,
              "none": null,
              "list": [
                1,
                "two"
              ]
            }
            """.ReplaceLineEndings("\n"),
            shown);
    }

    [Fact]
    public void FormatText_AnyJson_StaysTheSameValue()
    {
        const string Body = """[{"a":"line\nbreak \"quoted\" back\\slash tab\t \u0001 \u2028 \u202E \u200B \uD83D\uDE00 \uDB40\uDC41"},-0.0e+5,{"nested":[[[]]]}]""";

        var shown = DisplayJson.FormatText(Body);

        using var before = JsonDocument.Parse(Body);
        using var after = JsonDocument.Parse(shown);
        Assert.True(JsonElement.DeepEquals(before.RootElement, after.RootElement), shown);
    }

    [Fact]
    public void FormatText_CharactersAReaderCannotSee_StayEscaped()
    {
        // A right-to-left override could reorder what the card shows around it; zero-width and tag characters hide text.
        const string Body = """{"a":"x\u202Ey","b":"x\u200By","c":"x\uDB40\uDC41y","d":"x\u0001y","e":"x\u2028y","f":"x\uD83D\uDE00y"}""";

        var shown = DisplayJson.FormatText(Body);

        Assert.Contains("\"x\\u202Ey\"", shown, StringComparison.Ordinal);
        Assert.Contains("\"x\\u200By\"", shown, StringComparison.Ordinal);
        Assert.Contains("\"x\\uDB40\\uDC41y\"", shown, StringComparison.Ordinal);
        Assert.Contains("\"x\\u0001y\"", shown, StringComparison.Ordinal);
        Assert.Contains("\"x\\u2028y\"", shown, StringComparison.Ordinal);
        Assert.Contains("\"x😀y\"", shown, StringComparison.Ordinal); // an emoji is shown as itself
        Assert.DoesNotContain('\u202E', shown);
        Assert.DoesNotContain('\u200B', shown);
    }

    [Theory]
    [InlineData("Echo: hello")]
    [InlineData("{\"cut\": [1, 2")]
    [InlineData("\"a bare string\"")]
    [InlineData("42")]
    [InlineData("")]
    [InlineData("{} trailing words")]
    public void FormatText_NotOneJsonDocument_ReturnsTheTextAsItIs(string text)
    {
        Assert.Same(text, DisplayJson.FormatText(text));
    }

    [Fact]
    public void FormatText_DeeperThanTheReadLimit_ReturnsTheTextAsItIs()
    {
        var deep = new string('[', 200) + new string(']', 200);

        Assert.Same(deep, DisplayJson.FormatText(deep));
    }

    [Fact]
    public void FormatText_EscapedLoneSurrogate_KeepsThatStringAsSent()
    {
        const string Body = """{"a":"\uD800","b":"\u00E9"}""";

        var shown = DisplayJson.FormatText(Body);

        Assert.Contains("\"a\": \"\\uD800\"", shown, StringComparison.Ordinal);
        Assert.Contains("\"b\": \"é\"", shown, StringComparison.Ordinal);
    }
}
