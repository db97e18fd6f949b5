using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Msil.Mcp.Diagnostics;

/// <summary>The spans of a governed call: one per pipeline stage, and the client's trace context from <c>params._meta</c>.</summary>
internal static class CallTracing
{
    /// <summary>Starts the span of one pipeline stage, named <c>"{stage} {tool}"</c> and tagged <c>msil.stage</c>.</summary>
    public static Activity? StartStage(string stage, string tool)
    {
        if (!MsilMcpTelemetry.Source.HasListeners())
        {
            return null;
        }

        var activity = MsilMcpTelemetry.Source.StartActivity(stage + " " + tool, ActivityKind.Internal);
        activity?.SetTag("msil.stage", stage);
        activity?.SetTag("mcp.tool.name", tool);
        return activity;
    }

    /// <summary>
    /// The parent of the call's span: the W3C <c>traceparent</c> (and <c>tracestate</c>) a client sent in
    /// <c>params._meta</c>, when the HTTP request carried no <c>traceparent</c> header and the current span is not already
    /// in that trace; otherwise <see langword="default"/> (the current span is the parent).
    /// </summary>
    public static ActivityContext ParentFromMeta(JsonObject? meta, HttpContext? httpContext)
    {
        if (meta is null
            || !meta.TryGetPropertyValue("traceparent", out var node)
            || node is not JsonValue value
            || !value.TryGetValue<string>(out var traceparent)
            || (httpContext is not null && httpContext.Request.Headers.ContainsKey("traceparent")))
        {
            return default;
        }

        string? tracestate = null;
        if (meta.TryGetPropertyValue("tracestate", out var stateNode) && stateNode is JsonValue stateValue)
        {
            stateValue.TryGetValue(out tracestate);
        }

        if (!ActivityContext.TryParse(traceparent, tracestate, isRemote: true, out var context)
            || Activity.Current?.TraceId == context.TraceId)
        {
            return default;
        }

        return context;
    }
}
