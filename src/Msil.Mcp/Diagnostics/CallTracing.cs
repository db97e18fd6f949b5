using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Msil.Mcp.Diagnostics;

/// <summary>The spans of a governed call: one per pipeline stage, and the client's trace context from <c>params._meta</c>.</summary>
internal static class CallTracing
{
    /// <summary>The name of the call's span before the tool is resolved, and for a name that is not a catalog tool.</summary>
    public const string CallSpan = "tools/call";

    /// <summary>
    /// Starts the span of one pipeline stage, named <paramref name="name"/> (<c>"{stage} {tool}"</c>, precomputed per
    /// catalog tool in <see cref="ToolSpanNames"/>, or the bare stage before the tool is known) and tagged
    /// <c>msil.stage</c> and, for a catalog tool, <c>mcp.tool.name</c>. Never built from caller input.
    /// </summary>
    public static Activity? StartStage(string stage, string name, string? tool)
    {
        if (!MsilMcpTelemetry.Source.HasListeners())
        {
            return null;
        }

        var activity = MsilMcpTelemetry.Source.StartActivity(name, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("msil.stage", stage);
            if (tool is not null)
            {
                activity.SetTag("mcp.tool.name", tool);
            }
        }

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

/// <summary>The span names of one catalog tool, built once when the tool is compiled so no call concatenates them.</summary>
internal sealed class ToolSpanNames(string tool)
{
    public string Call { get; } = CallTracing.CallSpan + " " + tool;

    public string RateLimit { get; } = "rate-limit " + tool;

    public string Authorize { get; } = "authorize " + tool;

    public string Validate { get; } = "validate " + tool;

    public string Elevate { get; } = "elevate " + tool;

    public string Execute { get; } = "execute " + tool;

    public string Audit { get; } = "audit " + tool;
}
