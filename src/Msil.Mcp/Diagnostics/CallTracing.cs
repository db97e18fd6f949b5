using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

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
    /// The parent of the call's span. A W3C <c>traceparent</c> header on the HTTP request wins: the span joins the HTTP
    /// request's trace even when the MCP SDK's own span followed <c>params._meta</c> instead. Without one, the
    /// <c>traceparent</c> (and <c>tracestate</c>) a client sent in <c>params._meta</c> is the parent. Returns
    /// <see langword="default"/> when the current span already is in the chosen trace (it is then the parent).
    /// </summary>
    public static ActivityContext Parent(JsonObject? meta, HttpContext? httpContext)
    {
        if (httpContext is not null && httpContext.Request.Headers.ContainsKey("traceparent"))
        {
            var request = httpContext.Features.Get<IHttpActivityFeature>()?.Activity;
            return request is null || Activity.Current?.TraceId == request.TraceId ? default : request.Context;
        }

        if (meta is null
            || !meta.TryGetPropertyValue("traceparent", out var node)
            || node is not JsonValue value
            || !value.TryGetValue<string>(out var traceparent))
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
