using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using ModelContextProtocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.RateLimiting;
using Msil.Mcp.Tests.Hosting;

namespace Msil.Mcp.Tests.Pipeline;

/// <summary>
/// Issue 17 through a real host: a caller who may not call a tool learns nothing about it; calls that fail early are
/// limited and bounded like any other; metric labels never come from the request; the correlation id is ours.
/// </summary>
public sealed class GovernedCallHardeningTests
{
    private const string BookingSchema = """
        {"type":"object","required":["customer_id","amount"],"additionalProperties":false,
         "properties":{"customer_id":{"type":"string"},"amount":{"type":"number","minimum":1}}}
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<TestHost> StartAsync(StageLog log, RecordingPolicy policy, RecordingAudit audit, Action<IMsilMcpBuilder>? configure = null, RecordingElevation? elevation = null, params ToolDefinition[] tools)
        => TestHost.StartAsync(mcp =>
        {
            mcp.Services.AddSingleton(log);
            mcp.Services.AddSingleton(policy);
            mcp.Services.AddSingleton(audit);
            mcp.Services.AddSingleton(elevation ?? new RecordingElevation(log));
            mcp.UsePolicyDecisionPoint<RecordingPolicyAdapter>();
            mcp.UseElevationGate<RecordingElevationAdapter>();
            mcp.UseAuditSink<RecordingAuditAdapter>();
            mcp.AddToolExecutor<RecordingExecutor>();
            mcp.AddTools("test", tools);
            configure?.Invoke(mcp);
        });

    /// <summary>A viewer's policy: read tools only, for both actions (as the embedded engine decides list like execute).</summary>
    private static RecordingPolicy ViewerPolicy(StageLog log) => new(log)
    {
        Decide = r => r.Tool.RiskLevel == RiskLevel.Read ? PolicyDecision.Allowed("viewer may read", "test") : PolicyDecision.Denied("viewers may not write", "test"),
    };

    [Fact]
    public async Task CallTool_ToolTheCallerMayNotList_AnsweredExactlyLikeAnUnknownNameAndNoSchemaLeaks()
    {
        var log = new StageLog();
        var audit = new RecordingAudit(log);
        await using var host = await StartAsync(log, ViewerPolicy(log), audit, tools: [Tools.Define("create_booking", RiskLevel.Write, BookingSchema), Tools.Define("look", RiskLevel.Read)]);
        await using var client = await host.ConnectAsync("alice", "viewer");

        var hidden = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("create_booking", new Dictionary<string, object?>(), cancellationToken: Ct).AsTask());
        var unknown = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("create_bookinh", new Dictionary<string, object?>(), cancellationToken: Ct).AsTask());

        Assert.Equal(unknown.ErrorCode, hidden.ErrorCode);
        Assert.Equal(McpErrorCode.InvalidParams, hidden.ErrorCode);
        Assert.Equal(unknown.Message.Replace("create_bookinh", "create_booking", StringComparison.Ordinal), hidden.Message);
        Assert.DoesNotContain("customer_id", hidden.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("policy", hidden.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("execute:create_booking", log.Entries);

        // Visible only in the audit: the hidden tool was a policy denial, the other name was not a tool.
        var records = audit.Records;
        Assert.Equal(AuditOutcomes.Denied, records[0].Outcome);
        Assert.Equal(false, records[0].PolicyAllow);
        Assert.NotNull(records[0].DecisionId);
        Assert.Null(records[0].ArgumentsHash);
        Assert.Equal(AuditOutcomes.UnknownTool, records[1].Outcome);
    }

    [Fact]
    public async Task CallTool_EmbeddedStylePolicy_DecidedOnceWithoutArgumentsBeforeValidation()
    {
        var log = new StageLog();
        var requests = new ConcurrentQueue<PolicyRequest>();
        var policy = new RecordingPolicy(log)
        {
            Decide = r =>
            {
                requests.Enqueue(r);
                return PolicyDecision.Allowed("ok", "test");
            },
        };
        await using var host = await StartAsync(log, policy, new RecordingAudit(log), tools: Tools.Define("look", RiskLevel.Read));
        await using var client = await host.ConnectAsync("bob", "operator");

        await client.CallToolAsync("look", new Dictionary<string, object?> { ["id"] = "7" }, cancellationToken: Ct);

        var request = Assert.Single(requests);
        Assert.Equal(PolicyAction.Execute, request.Action);
        Assert.Null(request.Arguments);
    }

    [Fact]
    public async Task CallTool_UnknownNames_TakeFromTheCallersRateLimit()
    {
        var log = new StageLog();
        var audit = new RecordingAudit(log);
        await using var host = await StartAsync(log, ViewerPolicy(log), audit, configure: mcp => mcp.Services.Configure<RateLimitOptions>(o =>
        {
            o.PerUser.PermitsPerMinute = 1;
            o.PerUser.Burst = 3;
        }), tools: Tools.Define("look", RiskLevel.Read));
        await using var client = await host.ConnectAsync("mallory", "viewer");

        var answers = new List<McpProtocolException>();
        for (var i = 0; i < 5; i++)
        {
            answers.Add(await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("no_such_tool_" + i, new Dictionary<string, object?>(), cancellationToken: Ct).AsTask()));
        }

        Assert.Equal(3, answers.Count(a => a.Message.Contains("Unknown tool", StringComparison.Ordinal)));
        Assert.Equal(2, answers.Count(a => a.Message.Contains("Rate limit exceeded", StringComparison.Ordinal)));
        Assert.Equal(2, audit.Records.Count(r => r.Outcome == AuditOutcomes.RateLimited));
    }

    [Fact]
    public async Task CallTool_HugeUnknownName_AuditSpansAndAnswerTakeOnlyABoundedCleanName()
    {
        var log = new StageLog();
        var audit = new RecordingAudit(log);
        var activities = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == MsilMcpTelemetry.CoreName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var host = await StartAsync(log, ViewerPolicy(log), audit, tools: Tools.Define("look", RiskLevel.Read));
        using var http = host.CreateHttpClient("mallory", "viewer");
        var name = "x\u001b[31m\u202e" + new string('a', 200_000);

        // Raw JSON-RPC: the SDK client would also send the name in an Mcp-Name header, which Kestrel refuses at this size.
        using var response = await PostAsync(http, JsonSerializer.Serialize(new { jsonrpc = "2.0", id = 1, method = "tools/call", @params = new { name, arguments = new { } } }));
        var answer = await response.Content.ReadAsStringAsync(Ct);
        var message = JsonDocument.Parse(answer.TrimStart().StartsWith('{') ? answer : answer.Split('\n').Single(l => l.StartsWith("data: ", StringComparison.Ordinal))["data: ".Length..]).RootElement.GetProperty("error").GetProperty("message").GetString()!;

        Assert.StartsWith("Unknown tool: 'x[31maaa", message, StringComparison.Ordinal);
        Assert.True(message.Length < 300, $"the answer is {message.Length} characters");
        var record = Assert.Single(audit.Records);
        Assert.True(record.ToolName!.Length <= 160, $"the audit record's tool name is {record.ToolName.Length} characters");
        Assert.DoesNotContain(record.ToolName, c => char.IsControl(c) || c == '\u202e');
        Assert.Contains("200007 chars", record.ToolName, StringComparison.Ordinal);
        foreach (var activity in activities.Where(a => a.TraceId == activities.Last().TraceId))
        {
            Assert.DoesNotContain("aaaa", activity.DisplayName, StringComparison.Ordinal);
            Assert.All(activity.TagObjects, t => Assert.True(t.Value is not string s || s.Length <= 160, $"tag {t.Key} is too long"));
        }
    }

    [Fact]
    public async Task Metrics_UnknownToolAndUnknownMethod_NeverBecomeLabelValues()
    {
        var log = new StageLog();
        await using var host = await StartAsync(log, ViewerPolicy(log), new RecordingAudit(log), tools: Tools.Define("look", RiskLevel.Read));
        var meters = host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var executions = new MetricCollector<long>(meters, MsilMcpTelemetry.CoreName, "msil.mcp.tool.executions");
        using var requests = new MetricCollector<long>(meters, MsilMcpTelemetry.CoreName, "msil.mcp.requests");
        await using (var client = await host.ConnectAsync("mallory", "viewer"))
        {
            await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("made_up_" + Guid.NewGuid().ToString("N"), new Dictionary<string, object?>(), cancellationToken: Ct).AsTask());
            await client.CallToolAsync("look", new Dictionary<string, object?>(), cancellationToken: Ct);
        }

        using var http = host.CreateHttpClient("mallory", "viewer");
        using var _ = await PostAsync(http, """{"jsonrpc":"2.0","id":1,"method":"made/up-method-1234","params":{}}""");

        var tools = executions.GetMeasurementSnapshot().Select(m => m.Tags["mcp.tool.name"]?.ToString()).ToHashSet();
        Assert.Equal(["_unknown", "look"], tools.Order(StringComparer.Ordinal));
        var methods = requests.GetMeasurementSnapshot().Select(m => m.Tags["mcp.method.name"]?.ToString()).ToHashSet();
        Assert.Contains("_other", methods);
        Assert.DoesNotContain(methods, m => m!.Contains("made", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CallTool_ClientCorrelationId_KeptBesideOursAndNeverTheElevationReference()
    {
        var log = new StageLog();
        var audit = new RecordingAudit(log);
        var elevation = new RecordingElevation(log);
        var policy = new RecordingPolicy(log);
        await using var host = await StartAsync(log, policy, audit, elevation: elevation, tools: Tools.Define("wipe", RiskLevel.Privileged));
        using var http = host.CreateHttpClient("carol", "admin");

        using var response = await PostAsync(http, """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"wipe","arguments":{"id":"1"}}}""", "PIM-4711 forged");

        var ours = Assert.Single(response.Headers.GetValues("X-Correlation-ID"));
        Assert.Matches("^[0-9a-f]{32}$", ours);
        Assert.Equal("PIM-4711forged", Assert.Single(response.Headers.GetValues("X-Client-Correlation-ID")));
        Assert.Equal(ours, elevation.LastCorrelationId);
        var record = Assert.Single(audit.Records);
        Assert.Equal(ours, record.CorrelationId);
        Assert.Equal("PIM-4711forged", record.ClientCorrelationId);
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string body, string? correlationId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (correlationId is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Correlation-ID", correlationId);
        }

        var response = await http.SendAsync(request, Ct);
        await response.Content.ReadAsStringAsync(Ct);
        return response;
    }
}
