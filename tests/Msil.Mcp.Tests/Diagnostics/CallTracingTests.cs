using System.Diagnostics;
using System.Text.Json.Nodes;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Tests.Diagnostics;

public sealed class CallTracingTests
{
    private static readonly ActivityTraceId TraceId = ActivityTraceId.CreateRandom();
    private static readonly ActivitySpanId SpanId = ActivitySpanId.CreateRandom();

    private static JsonObject Meta => new() { ["traceparent"] = $"00-{TraceId}-{SpanId}-01", ["tracestate"] = "vendor=1" };

    [Fact]
    public void Parent_MetaTraceparentAndNoHttpHeader_IsTheClientsSpan()
    {
        Activity.Current = null;

        var parent = CallTracing.Parent(Meta, new DefaultHttpContext());

        Assert.Equal(TraceId, parent.TraceId);
        Assert.Equal(SpanId, parent.SpanId);
        Assert.Equal("vendor=1", parent.TraceState);
        Assert.True(parent.IsRemote);
    }

    [Fact]
    public void Parent_HttpRequestCarriedTraceparent_MetaIsIgnored()
    {
        Activity.Current = null;
        var http = new DefaultHttpContext();
        http.Request.Headers["traceparent"] = $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-01";

        Assert.Equal(default, CallTracing.Parent(Meta, http));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-traceparent")]
    public void Parent_NoOrMalformedMeta_CurrentSpanStaysTheParent(string? traceparent)
    {
        var meta = traceparent is null ? new JsonObject() : new JsonObject { ["traceparent"] = traceparent };

        Assert.Equal(default, CallTracing.Parent(meta, new DefaultHttpContext()));
        Assert.Equal(default, CallTracing.Parent(null, null));
    }
}
