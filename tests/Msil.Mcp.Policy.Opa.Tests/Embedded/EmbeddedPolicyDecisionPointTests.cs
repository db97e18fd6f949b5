using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Policy.Opa.Embedded;
using Msil.Mcp.Policy.Opa.Tests.Infrastructure;

namespace Msil.Mcp.Policy.Opa.Tests.Embedded;

/// <summary>The embedded engine as registered by AddOpaPolicy: defaults, reload on change, telemetry.</summary>
public sealed class EmbeddedPolicyDecisionPointTests
{
    private const string ViewerMayWrite = """
        {
          "roles": {
            "viewer": { "risk_levels": ["read", "write"] },
            "operator": { "risk_levels": ["read", "write"] },
            "admin": { "risk_levels": ["read", "write", "privileged"] },
            "pim-approver": { "risk_levels": [] }
          },
          "tools": {}
        }
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EvaluateAsync_TokenWithoutARequiredScope_IsDeniedForInsufficientScopeOnCallsOnly()
    {
        using var services = new PolicyServices(_ => { });
        var tool = Requests.Tool("create_order", RiskLevel.Write) with { RequiredScopes = ["orders.read", "orders.write"] };
        var narrow = Requests.User("bob", ["operator"]) with { Scopes = ["orders.read", "ORDERS.WRITE"] };
        var wide = Requests.User("bob", ["operator"]) with { Scopes = ["orders.write", "orders.read"] };

        var refused = await services.Policy.EvaluateAsync(Requests.Execute(narrow, tool), Ct);
        var listed = await services.Policy.EvaluateAsync(new PolicyRequest(narrow, tool, PolicyAction.List), Ct);
        var allowed = await services.Policy.EvaluateAsync(Requests.Execute(wide, tool), Ct);

        Assert.False(refused.Allow);
        Assert.Equal("insufficient_scope: tool 'create_order' requires scopes the token lacks: orders.write", refused.Reason);
        Assert.True(listed.Allow);
        Assert.True(allowed.Allow);
        Assert.Equal("role 'operator' may use write tools", allowed.Reason);
    }

    [Fact]
    public async Task EvaluateAsync_NoDataFile_DecidesOnTheShippedRoles()
    {
        using var services = new PolicyServices(_ => { });

        var aliceWrites = await services.Policy.EvaluateAsync(Requests.Alice("create_booking", RiskLevel.Write), Ct);
        var bobWrites = await services.Policy.EvaluateAsync(Requests.Execute(Requests.User("bob", ["operator"]), Requests.Tool("create_booking", RiskLevel.Write)), Ct);

        Assert.IsType<EmbeddedPolicyDecisionPoint>(services.Policy);
        Assert.False(aliceWrites.Allow);
        Assert.Equal("no role of the caller (viewer) may use write tools", aliceWrites.Reason);
        Assert.True(bobWrites.Allow);
        Assert.Equal("role 'operator' may use write tools", bobWrites.Reason);
    }

    [Fact]
    public async Task EvaluateAsync_Anonymous_DeniedAuthenticationRequired()
    {
        using var services = new PolicyServices(_ => { });

        var decision = await services.Policy.EvaluateAsync(Requests.List(CallerIdentity.Anonymous, Requests.Tool("get_vehicle_inventory", RiskLevel.Read)), Ct);

        Assert.False(decision.Allow);
        Assert.Equal("authentication required", decision.Reason);
    }

    [Fact]
    public async Task EvaluateAsync_DataFileChanged_NextDecisionAfterTheCheckIntervalUsesTheNewData()
    {
        using var file = TempDataFile.CopyOfShipped();
        using var services = new PolicyServices(o => o.DataFile = file.Path);
        var request = Requests.Alice("create_booking", RiskLevel.Write);
        Assert.False((await services.Policy.EvaluateAsync(request, Ct)).Allow);

        file.Write(ViewerMayWrite);
        var beforeCheck = await services.Policy.EvaluateAsync(request, Ct);
        services.Time.Advance(EmbeddedPolicyDecisionPoint.ReloadCheckInterval);
        var afterCheck = await services.Policy.EvaluateAsync(request, Ct);

        Assert.False(beforeCheck.Allow);
        Assert.True(afterCheck.Allow);
        Assert.Equal("role 'viewer' may use write tools", afterCheck.Reason);
        Assert.Contains(services.Logs.GetSnapshot(), r => r.Id.Id == 3000 && r.Message.Contains(file.Path, StringComparison.Ordinal));
    }

    [Fact]
    public async Task EvaluateAsync_DataFileBrokenThenFixed_KeepsLastGoodDataThenLoadsTheFix()
    {
        using var file = TempDataFile.CopyOfShipped();
        using var services = new PolicyServices(o => o.DataFile = file.Path);
        var request = Requests.Execute(Requests.User("bob", ["operator"]), Requests.Tool("create_booking", RiskLevel.Write));
        Assert.True((await services.Policy.EvaluateAsync(request, Ct)).Allow);

        file.Write("""{ "roles": { "operator": { "risk_levels": ["read", "wri""");
        services.Time.Advance(EmbeddedPolicyDecisionPoint.ReloadCheckInterval);
        var whileBroken = await services.Policy.EvaluateAsync(request, Ct);
        services.Time.Advance(EmbeddedPolicyDecisionPoint.ReloadCheckInterval);
        await services.Policy.EvaluateAsync(request, Ct);
        file.Write("""{ "roles": { "operator": { "risk_levels": ["read"] } } }""");
        services.Time.Advance(EmbeddedPolicyDecisionPoint.ReloadCheckInterval);
        var afterFix = await services.Policy.EvaluateAsync(request, Ct);

        Assert.True(whileBroken.Allow);
        Assert.Single(services.Logs.GetSnapshot(), r => r.Id.Id == 3001);
        Assert.False(afterFix.Allow);
        Assert.Equal("no role of the caller (operator) may use write tools", afterFix.Reason);
    }

    [Fact]
    public async Task EvaluateAsync_DataFileDeleted_KeepsLastGoodData()
    {
        using var file = TempDataFile.CopyOfShipped();
        using var services = new PolicyServices(o => o.DataFile = file.Path);
        var request = Requests.Alice();
        Assert.True((await services.Policy.EvaluateAsync(request, Ct)).Allow);

        File.Delete(file.Path);
        services.Time.Advance(EmbeddedPolicyDecisionPoint.ReloadCheckInterval);
        var decision = await services.Policy.EvaluateAsync(request, Ct);

        Assert.True(decision.Allow);
        Assert.Contains(services.Logs.GetSnapshot(), r => r.Id.Id == 3001);
    }

    [Fact]
    public async Task EvaluateAsync_Decision_CountsItByDecisionAndEngineAndTimesIt()
    {
        using var services = new PolicyServices(_ => { });
        using var evaluations = new MetricCollector<long>(services.MeterFactory, PolicyTelemetry.Name, "msil.mcp.policy.evaluations");
        using var duration = new MetricCollector<double>(services.MeterFactory, PolicyTelemetry.Name, "msil.mcp.policy.evaluation.duration");

        await services.Policy.EvaluateAsync(Requests.Alice(), Ct);
        await services.Policy.EvaluateAsync(Requests.Alice("create_booking", RiskLevel.Write), Ct);

        var counted = evaluations.GetMeasurementSnapshot();
        Assert.Equal(2, counted.Count);
        Assert.Equal(["allow", "deny"], counted.Select(m => (string?)m.Tags["msil.policy.decision"]));
        Assert.All(counted, m => Assert.Equal("embedded", m.Tags["msil.policy.engine"]));
        Assert.All(counted, m => Assert.False(m.Tags.ContainsKey("error.type")));
        Assert.Equal(2, duration.GetMeasurementSnapshot().Count);
    }

    [Fact]
    public async Task EvaluateAsync_WithListener_RecordsAnEvaluateSpanWithTheDecisionId()
    {
        using var services = new PolicyServices(_ => { });
        var tool = "span_probe_" + Guid.NewGuid().ToString("N")[..8];
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == PolicyTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                lock (spans)
                {
                    spans.Add(a);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        var decision = await services.Policy.EvaluateAsync(Requests.Alice(tool), Ct);

        Activity span;
        lock (spans)
        {
            span = Assert.Single(spans, a => a.DisplayName == "evaluate " + tool);
        }

        Assert.Equal(decision.DecisionId, span.GetTagItem("msil.policy.decision_id"));
        Assert.Equal("allow", span.GetTagItem("msil.policy.decision"));
        Assert.Equal("embedded", span.GetTagItem("msil.policy.engine"));
        Assert.Equal("execute", span.GetTagItem("msil.policy.action"));
        Assert.Null(span.GetTagItem("msil.policy.reason"));
    }

    [Fact]
    public void Decide_UnknownRiskLevel_Denies()
    {
        var data = EmbeddedPolicyDecisionPoint.Load(null, out _);
        var request = Requests.Execute(Requests.User("carol", ["admin"]), Requests.Tool("odd", (RiskLevel)7));

        var decision = EmbeddedPolicyDecisionPoint.Decide(data, request);

        Assert.False(decision.Allow);
        Assert.Contains("unknown risk level", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_Allow_AllocatesOnlyTheDecision()
    {
        var data = EmbeddedPolicyDecisionPoint.Load(null, out _);
        var request = Requests.Execute(Requests.User("bob", ["viewer", "operator"], ["dealer-ops"]), Requests.Tool("process_payment", RiskLevel.Write));
        for (var i = 0; i < 100; i++)
        {
            EmbeddedPolicyDecisionPoint.Decide(data, request);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var decision = EmbeddedPolicyDecisionPoint.Decide(data, request);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(decision.Allow);
        // The PolicyDecision record and its 20-character id: about 120 bytes on 64-bit.
        Assert.InRange(allocated, 1, 160);
    }
}
