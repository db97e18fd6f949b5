using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Tests.Hosting;

namespace Msil.Mcp.Tests.Pipeline;

/// <summary>The governed call through a real host and the SDK client: stage order, fail-closed defaults, validation.</summary>
public sealed class ToolCallPipelineTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<TestHost> StartRecordingHostAsync(StageLog log, RecordingPolicy? policy = null, RecordingElevation? elevation = null, RecordingAudit? audit = null, params ToolDefinition[] tools)
        => TestHost.StartAsync(mcp =>
        {
            mcp.Services.AddSingleton(log);
            mcp.Services.AddSingleton(policy ?? new RecordingPolicy(log));
            mcp.Services.AddSingleton(elevation ?? new RecordingElevation(log));
            mcp.Services.AddSingleton(audit ?? new RecordingAudit(log));
            mcp.UsePolicyDecisionPoint<RecordingPolicyAdapter>();
            mcp.UseElevationGate<RecordingElevationAdapter>();
            mcp.UseAuditSink<RecordingAuditAdapter>();
            mcp.AddToolExecutor<RecordingExecutor>();
            mcp.AddTools("test", tools);
        });

    [Fact]
    public async Task CallTool_PrivilegedAllowed_RunsPolicyThenElevationThenExecutorThenAudit()
    {
        var log = new StageLog();
        await using var host = await StartRecordingHostAsync(log, tools: Tools.Define("wipe", RiskLevel.Privileged));
        await using var client = await host.ConnectAsync("carol", "admin");

        var result = await client.CallToolAsync("wipe", new Dictionary<string, object?> { ["id"] = "42" }, cancellationToken: Ct);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal(["policy:wipe", "elevation:wipe", "execute:wipe", "audit:success"], log.Entries);
    }

    [Fact]
    public async Task CallTool_ReadTool_SkipsElevation()
    {
        var log = new StageLog();
        await using var host = await StartRecordingHostAsync(log, tools: Tools.Define("look", RiskLevel.Read));
        await using var client = await host.ConnectAsync("bob", "operator");

        await client.CallToolAsync("look", new Dictionary<string, object?>(), cancellationToken: Ct);

        Assert.Equal(["policy:look", "execute:look", "audit:success"], log.Entries);
    }

    [Fact]
    public async Task CallTool_InvalidArguments_PolicyDecidesFirstThenEveryFieldIsNamed()
    {
        var log = new StageLog();
        var tool = Tools.Define("book", RiskLevel.Write, """
            {"type":"object","required":["customer_id","amount"],"additionalProperties":false,
             "properties":{"customer_id":{"type":"string"},"amount":{"type":"number","minimum":1}}}
            """);
        var audit = new RecordingAudit(log);
        await using var host = await StartRecordingHostAsync(log, audit: audit, tools: tool);
        await using var client = await host.ConnectAsync("bob", "operator");

        var result = await client.CallToolAsync(new CallToolRequestParams
        {
            Name = "book",
            Arguments = new Dictionary<string, JsonElement>
            {
                ["amount"] = JsonDocument.Parse("\"ten\"").RootElement,
                ["colour"] = JsonDocument.Parse("\"red\"").RootElement,
            },
        }, Ct);

        Assert.True(result.IsError);
        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.Contains("customer_id: is required", text, StringComparison.Ordinal);
        Assert.Contains("amount: must be a number", text, StringComparison.Ordinal);
        Assert.Contains("colour", text, StringComparison.Ordinal);
        Assert.Equal(["policy:book", "audit:invalid_arguments"], log.Entries);
        Assert.NotNull(audit.Records.Single().ArgumentsHash);
    }

    [Fact]
    public async Task CallTool_PolicyDenies_NeitherElevationNorExecutorRunAndDenialIsAudited()
    {
        var log = new StageLog();
        var policy = new RecordingPolicy(log)
        {
            Decide = r => r.Action == PolicyAction.List ? PolicyDecision.Allowed("may see it", "test") : new PolicyDecision(false, "tool is off today", "dec_0123456789abcdef", "test"),
        };
        var audit = new RecordingAudit(log);
        await using var host = await StartRecordingHostAsync(log, policy: policy, audit: audit, tools: Tools.Define("wipe", RiskLevel.Privileged));
        await using var client = await host.ConnectAsync("carol", "admin");

        var ex = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("wipe", new Dictionary<string, object?>(), cancellationToken: Ct).AsTask());

        Assert.Contains("tool is off today", ex.Message, StringComparison.Ordinal);
        Assert.Contains("dec_0123456789abcdef", ex.Message, StringComparison.Ordinal);
        Assert.Equal(McpErrorCode.InvalidRequest, ex.ErrorCode);
        Assert.Equal(["policy:wipe", "audit:denied"], log.Entries);
        var record = audit.Records.Single();
        Assert.Equal(false, record.PolicyAllow);
        Assert.Equal("dec_0123456789abcdef", record.DecisionId);
        Assert.Equal("carol", record.UserId);
    }

    [Fact]
    public async Task CallTool_ElevationRequired_UrlElicitationErrorCarriesTheUrl()
    {
        var log = new StageLog();
        var elevation = new RecordingElevation(log)
        {
            Result = () => new ElevationCheck(ElevationOutcome.Required, "no grant", "wipe", ElevationUrl: new Uri("https://pim.example/approve?scope=wipe"), ElicitationId: "e1"),
        };
        await using var host = await StartRecordingHostAsync(log, elevation: elevation, tools: Tools.Define("wipe", RiskLevel.Privileged));
        await using var client = await host.ConnectAsync("carol", "admin");

        var ex = await Assert.ThrowsAnyAsync<McpProtocolException>(() => client.CallToolAsync("wipe", new Dictionary<string, object?>(), cancellationToken: Ct).AsTask());

        Assert.Equal(McpErrorCode.UrlElicitationRequired, ex.ErrorCode);
        Assert.Contains("https://pim.example/approve?scope=wipe", ex.Message, StringComparison.Ordinal);
        Assert.Equal(["policy:wipe", "elevation:wipe", "audit:elevation_required"], log.Entries);
    }

    [Fact]
    public async Task CallTool_ElevationStoreThrows_RefusedFailClosed()
    {
        var log = new StageLog();
        var elevation = new RecordingElevation(log) { Result = () => throw new InvalidOperationException("store down") };
        await using var host = await StartRecordingHostAsync(log, elevation: elevation, tools: Tools.Define("wipe", RiskLevel.Privileged));
        await using var client = await host.ConnectAsync("carol", "admin");

        var ex = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("wipe", new Dictionary<string, object?>(), cancellationToken: Ct).AsTask());

        Assert.Contains("could not be reached", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("execute:wipe", log.Entries);
    }

    [Fact]
    public async Task CallTool_AuditCannotBeKept_PrivilegedRefusedBeforeExecutionReadStillRuns()
    {
        var log = new StageLog();
        var audit = new RecordingAudit(log);
        await using var host = await TestHost.StartAsync(mcp =>
        {
            mcp.Services.AddSingleton(log);
            mcp.Services.AddSingleton(audit);
            mcp.Services.AddSingleton(new RecordingPolicy(log));
            mcp.Services.AddSingleton(new RecordingElevation(log));
            mcp.UsePolicyDecisionPoint<RecordingPolicyAdapter>();
            mcp.UseElevationGate<RecordingElevationAdapter>();
            mcp.UseAuditSink<RecordingAuditAdapter>();
            mcp.Services.AddSingleton<IAuditGate, RefusePrivilegedGate>();
            mcp.AddToolExecutor<RecordingExecutor>();
            mcp.AddTools("test", [Tools.Define("wipe", RiskLevel.Privileged), Tools.Define("look", RiskLevel.Read)]);
        });
        await using var client = await host.ConnectAsync("carol", "admin");

        var refused = await client.CallToolAsync("wipe", new Dictionary<string, object?>(), cancellationToken: Ct);
        var read = await client.CallToolAsync("look", new Dictionary<string, object?>(), cancellationToken: Ct);

        Assert.True(refused.IsError);
        Assert.Contains("audit record could not be kept", Assert.IsType<TextContentBlock>(Assert.Single(refused.Content)).Text, StringComparison.Ordinal);
        Assert.NotEqual(true, read.IsError);
        Assert.DoesNotContain("execute:wipe", log.Entries);
        Assert.Contains("execute:look", log.Entries);
        Assert.Equal("audit_unavailable", audit.Records.First(r => r.ToolName == "wipe").Outcome);
    }

    [Fact]
    public async Task CallTool_UnknownTool_ProtocolErrorAndAudited()
    {
        var log = new StageLog();
        var audit = new RecordingAudit(log);
        await using var host = await StartRecordingHostAsync(log, audit: audit, tools: Tools.Define("look", RiskLevel.Read));
        await using var client = await host.ConnectAsync("bob", "operator");

        var ex = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("nope", new Dictionary<string, object?>(), cancellationToken: Ct).AsTask());

        Assert.Contains("nope", ex.Message, StringComparison.Ordinal);
        Assert.Equal("unknown_tool", audit.Records.Single().Outcome);
    }

    [Fact]
    public async Task CallTool_ResultOverLimit_CutWithNotice()
    {
        var log = new StageLog();
        await using var host = await TestHost.StartAsync(
            mcp =>
            {
                mcp.Services.AddSingleton(log);
                mcp.Services.AddSingleton(new RecordingPolicy(log));
                mcp.UsePolicyDecisionPoint<RecordingPolicyAdapter>();
                mcp.AddToolExecutor<RecordingExecutor>();
                mcp.AddTools("test", [Tools.Define("big", RiskLevel.Read)]);
            },
            o => o.MaxResultChars = 2048);
        host.Services.GetServices<IToolExecutor>().OfType<RecordingExecutor>().Single().ResultText = new string('x', 5000);
        await using var client = await host.ConnectAsync("bob", "operator");

        var result = await client.CallToolAsync("big", new Dictionary<string, object?>(), cancellationToken: Ct);

        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.StartsWith(new string('x', 2048), text, StringComparison.Ordinal);
        Assert.Contains("[Result cut at 2048 of 5000 characters.]", text, StringComparison.Ordinal);
    }
}

internal sealed class RefusePrivilegedGate : IAuditGate
{
    public ValueTask EnsureWritableAsync(RiskLevel riskLevel, CancellationToken cancellationToken)
        => riskLevel == RiskLevel.Privileged ? throw new AuditUnavailableException("the outbox disk is full") : ValueTask.CompletedTask;
}

// Adapters so the recording fakes registered as instances can be selected through the Use…<T>() helpers.
internal sealed class RecordingPolicyAdapter(RecordingPolicy inner) : IPolicyDecisionPoint
{
    public ValueTask<PolicyDecision> EvaluateAsync(PolicyRequest request, CancellationToken cancellationToken) => inner.EvaluateAsync(request, cancellationToken);
}

internal sealed class RecordingElevationAdapter(RecordingElevation inner) : IElevationGate
{
    public ValueTask<ElevationCheck> CheckAsync(CallerIdentity caller, ToolDefinition tool, IReadOnlyDictionary<string, JsonElement> arguments, string correlationId, CancellationToken cancellationToken)
        => inner.CheckAsync(caller, tool, arguments, correlationId, cancellationToken);
}

internal sealed class RecordingAuditAdapter(RecordingAudit inner) : IAuditSink
{
    public ValueTask WriteAsync(AuditRecord record, CancellationToken cancellationToken) => inner.WriteAsync(record, cancellationToken);
}
