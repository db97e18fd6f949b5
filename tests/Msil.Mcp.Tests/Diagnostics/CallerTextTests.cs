using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Tests.Diagnostics;

public sealed class CallerTextTests
{
    [Fact]
    public void Bound_ShortCleanValue_TheSameInstance()
    {
        var value = "get_vehicle_inventory";

        Assert.Same(value, CallerText.Bound(value));
    }

    [Fact]
    public void Bound_LongValue_CutWithItsLength()
    {
        var bounded = CallerText.Bound(new string('a', 200_000));

        Assert.Equal(new string('a', CallerText.MaxLength) + "…[200000 chars]", bounded);
    }

    [Theory]
    [InlineData("a\nb\r\u0000c", "abc")]
    [InlineData("\u001b[31mred", "[31mred")]
    [InlineData("safe\u202egnp.exe", "safegnp.exe")]
    [InlineData("line\u2028two", "linetwo")]
    public void Bound_ControlAndBidiCharacters_Stripped(string value, string expected) => Assert.Equal(expected, CallerText.Bound(value));

    [Fact]
    public void Bound_CutInsideASurrogatePair_NeverKeepsHalfOfIt()
    {
        var bounded = CallerText.Bound(new string('a', 127) + "😀" + "tail");

        Assert.StartsWith(new string('a', 127), bounded, StringComparison.Ordinal);
        Assert.Contains("…[133 chars]", bounded, StringComparison.Ordinal);
        Assert.DoesNotContain(bounded, char.IsSurrogate);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Bound_NoValue_Empty(string? value) => Assert.Equal(string.Empty, CallerText.Bound(value));
}
