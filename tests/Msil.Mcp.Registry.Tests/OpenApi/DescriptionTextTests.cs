using Msil.Mcp.Registry.OpenApi;

namespace Msil.Mcp.Registry.Tests.OpenApi;

public sealed class DescriptionTextTests
{
    [Theory]
    [InlineData("  Get   the\tdealers  ", "Get the dealers")]
    [InlineData("line one\r\nline two", "line one\nline two")]
    [InlineData("para one\n\n\n\n  para two ", "para one\n\npara two")]
    [InlineData("   ", null)]
    [InlineData(null, null)]
    public void Normalize_Text_CollapsesWhitespace(string? text, string? expected) =>
        Assert.Equal(expected, DescriptionText.Normalize(text));

    [Theory]
    [InlineData("Get dealers", "Returns all dealers.", "Get dealers\n\nReturns all dealers.")]
    [InlineData("Get dealers", "Get dealers by region.", "Get dealers by region.")]
    [InlineData(null, "Only a description.", "Only a description.")]
    [InlineData("Only a summary", null, "Only a summary")]
    [InlineData(null, null, null)]
    public void Compose_SummaryAndDescription_JoinsWithBlankLine(string? summary, string? description, string? expected) =>
        Assert.Equal(expected, DescriptionText.Compose(summary, description));

    [Fact]
    public void Cut_LongText_EndsWithEllipsisWithinLimit()
    {
        var cut = DescriptionText.Cut(new string('a', 50), 20);

        Assert.Equal(20, cut.Length);
        Assert.EndsWith("…", cut, StringComparison.Ordinal);
        Assert.Equal("short", DescriptionText.Cut("short", 20));
    }

    [Fact]
    public void Cut_AtSurrogatePair_DoesNotSplitIt()
    {
        var text = new string('a', 18) + "😀" + new string('b', 10);

        var cut = DescriptionText.Cut(text, 20);

        Assert.False(char.IsHighSurrogate(cut[^2]));
        Assert.True(cut.Length <= 20);
    }
}
