using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Msil.Mcp.IntegrationTests.Infrastructure;

namespace Msil.Mcp.IntegrationTests.Operations;

/// <summary>
/// Issue 11's traces and seed metrics on the reference server: a span per pipeline stage and for the backend call,
/// W3C trace context to the backend, and a client's <c>params._meta.traceparent</c> as the parent of the call.
/// Requests are sent as raw JSON-RPC (stateless mode needs no session) through a handler without HttpClient's
/// diagnostics (no propagator: no client span, so the OpenTelemetry instrumentation of this process does not replace
/// the headers), so the test alone decides what trace context the server sees.
/// </summary>
[Collection(ReferenceServerGroup.Name)]
[Trait("Category", "EndToEnd")]
public sealed class TelemetryTests : IDisposable
{
    private readonly ReferenceServerFixture server;
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener = new();
    private readonly HttpClient _http = new(new SocketsHttpHandler { ActivityHeadersPropagator = null });

    public TelemetryTests(ReferenceServerFixture server)
    {
        this.server = server;
        _listener.ShouldListenTo = s => s.Name.StartsWith("Msil.Mcp", StringComparison.Ordinal) || s.Name == "Microsoft.AspNetCore" || s.Name == "System.Net.Http" || s.Name == "Experimental.ModelContextProtocol";
        _listener.Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded;
        _listener.ActivityStopped = _stopped.Enqueue;
        ActivitySource.AddActivityListener(_listener);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _listener.Dispose();
        _http.Dispose();
    }

    [Fact]
    public async Task CallTool_MetaTraceparentAndNoHttpHeader_CallSpanAndBackendJoinTheClientsTrace()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var parentSpan = ActivitySpanId.CreateRandom();

        var body = await CallAsync("get_vehicle_inventory", $"00-{traceId}-{parentSpan}-01", httpTraceparent: null);

        Assert.Contains("\"result\"", body, StringComparison.Ordinal);
        var inTrace = _stopped.Where(a => a.TraceId == traceId).ToList();
        var call = Assert.Single(inTrace, a => a.Source.Name == "Msil.Mcp" && a.DisplayName == "tools/call get_vehicle_inventory");
        Assert.True(call.ParentSpanId == parentSpan || inTrace.Any(a => a.SpanId == call.ParentSpanId && a.ParentSpanId == parentSpan), "the call span hangs under the client's span");
        foreach (var stage in new[] { "rate-limit", "validate", "authorize", "execute", "audit" })
        {
            var span = Assert.Single(inTrace, a => a.DisplayName == stage + " get_vehicle_inventory");
            Assert.Equal(call.SpanId, span.ParentSpanId);
        }

        var backendCall = Assert.Single(inTrace, a => a.Source.Name == "Msil.Mcp.Apim" && a.DisplayName == "call get_vehicle_inventory");
        Assert.True(IsUnder(backendCall, call, inTrace), "the backend call span is part of the tool call");

        // The sample backend's own server span (ASP.NET Core) is in the same trace: traceparent reached it over HTTP.
        Assert.Contains(inTrace, a => a.Source.Name == "Microsoft.AspNetCore" && a.Kind == ActivityKind.Server);
    }

    [Fact]
    public async Task CallTool_HttpTraceparentAndMeta_HttpHeaderWins()
    {
        var httpTrace = ActivityTraceId.CreateRandom();
        var metaTrace = ActivityTraceId.CreateRandom();

        await CallAsync("get_dealer_enquiries", $"00-{metaTrace}-{ActivitySpanId.CreateRandom()}-01", $"00-{httpTrace}-{ActivitySpanId.CreateRandom()}-01");

        // The MCP SDK's own span follows _meta; the governed call and its stages follow the HTTP request.
        Assert.Contains(_stopped, a => a.TraceId == httpTrace && a.Source.Name == "Msil.Mcp" && a.DisplayName == "tools/call get_dealer_enquiries");
        Assert.Contains(_stopped, a => a.TraceId == httpTrace && a.Source.Name == "Msil.Mcp" && a.DisplayName == "validate get_dealer_enquiries");
        Assert.DoesNotContain(_stopped, a => a.TraceId == metaTrace && a.Source.Name == "Msil.Mcp");
        Assert.Contains(_stopped, a => a.TraceId == httpTrace && a.Source.Name == "Msil.Mcp.Auth" && a.DisplayName == "authenticate bearer");
    }

    [Fact]
    public async Task Metrics_AfterCalls_ExposeTheSeedsRequestCountLatencyAndErrors()
    {
        await CallAsync("get_vehicle_inventory", traceparent: null, httpTraceparent: null);
        await CallAsync("no_such_tool", traceparent: null, httpTraceparent: null);

        var text = await server.ScrapeMetricsAsync("msil_mcp_errors_total{", "msil_outcome=\"unknown_tool\"", "msil_mcp_tool_duration_seconds_bucket{");

        Assert.Contains("msil_mcp_requests_total{", text, StringComparison.Ordinal);
        Assert.Contains("mcp_method_name=\"tools/call\"", text, StringComparison.Ordinal);
        Assert.Contains("msil_mcp_request_duration_seconds_bucket{", text, StringComparison.Ordinal);
        Assert.Contains("msil_mcp_errors_total{", text, StringComparison.Ordinal);
        Assert.Contains("msil_outcome=\"unknown_tool\"", text, StringComparison.Ordinal);
        Assert.Contains("msil_mcp_tool_duration_seconds_bucket{", text, StringComparison.Ordinal);
    }

    private static bool IsUnder(Activity child, Activity ancestor, List<Activity> all)
    {
        var current = child;
        for (var depth = 0; depth < 10 && current is not null; depth++)
        {
            if (current.ParentSpanId == ancestor.SpanId)
            {
                return true;
            }

            current = all.FirstOrDefault(a => a.SpanId == current.ParentSpanId);
        }

        return false;
    }

    private async Task<string> CallAsync(string tool, string? traceparent, string? httpTraceparent)
    {
        var token = await server.GetTokenAsync("bob");
        var meta = traceparent is null ? string.Empty : $",\"_meta\":{{\"traceparent\":\"{traceparent}\"}}";
        var json = $"{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{{\"name\":\"{tool}\",\"arguments\":{{}}{meta}}}}}";
        using var request = new HttpRequestMessage(HttpMethod.Post, server.BaseUrl + "/mcp") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (httpTraceparent is not null)
        {
            request.Headers.TryAddWithoutValidation("traceparent", httpTraceparent);
        }

        using var response = await _http.SendAsync(request, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return body;
    }
}
