using Msil.Mcp.Hosting;

namespace Msil.Mcp.Tests.Hosting;

public sealed class CorrelationIdMiddlewareTests
{
    [Fact]
    public async Task InvokeAsync_ClientSentAnId_OursIsNewTheirsIsKeptBeside()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers[CorrelationIdMiddleware.HeaderName] = "PIM-4711";
        var middleware = new CorrelationIdMiddleware(_ => Task.CompletedTask);

        await middleware.InvokeAsync(context);

        var ours = CorrelationIdMiddleware.Get(context);
        Assert.Matches("^[0-9a-f]{32}$", ours);
        Assert.Equal(ours, context.Response.Headers[CorrelationIdMiddleware.HeaderName].ToString());
        Assert.Equal("PIM-4711", CorrelationIdMiddleware.GetClient(context));
        Assert.Equal("PIM-4711", context.Response.Headers[CorrelationIdMiddleware.ClientHeaderName].ToString());
    }

    [Fact]
    public async Task InvokeAsync_NoClientId_OnlyOurs()
    {
        var context = new DefaultHttpContext();

        await new CorrelationIdMiddleware(_ => Task.CompletedTask).InvokeAsync(context);

        Assert.Null(CorrelationIdMiddleware.GetClient(context));
        Assert.False(context.Response.Headers.ContainsKey(CorrelationIdMiddleware.ClientHeaderName));
    }

    [Theory]
    [InlineData("abc-123", "abc-123")]
    [InlineData("a b\tc", "abc")]
    [InlineData("   ", null)]
    [InlineData("", null)]
    public void Sanitize_Value_PrintableAsciiOnly(string value, string? expected) => Assert.Equal(expected, CorrelationIdMiddleware.Sanitize(value));

    [Fact]
    public void Sanitize_LongValue_FirstCharactersOnly()
        => Assert.Equal(new string('x', CorrelationIdMiddleware.MaxClientLength), CorrelationIdMiddleware.Sanitize(new string('x', 100_000)));
}
