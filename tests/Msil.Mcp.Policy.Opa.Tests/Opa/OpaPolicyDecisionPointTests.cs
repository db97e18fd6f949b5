using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Policy.Opa.Opa;
using Msil.Mcp.Policy.Opa.Tests.Infrastructure;

namespace Msil.Mcp.Policy.Opa.Tests.Opa;

/// <summary>
/// The OPA engine against a loopback server that answers as OPA's Data API does (documented responses: a result,
/// <c>{}</c> for an undefined document, 500 with an error object), plus the failures: slow, refused, malformed.
/// Every failure denies (fail closed) with a reason that says which.
/// </summary>
public sealed class OpaPolicyDecisionPointTests : IAsyncLifetime
{
    private FakeOpaServer _opa = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _opa = await FakeOpaServer.StartAsync();

    public async ValueTask DisposeAsync() => await _opa.DisposeAsync();

    private PolicyServices Services(Action<OpaPolicyOptions>? configure = null) => new(o =>
    {
        o.Engine = PolicyEngine.Opa;
        o.Endpoint = _opa.Endpoint;
        configure?.Invoke(o);
    });

    [Fact]
    public async Task EvaluateAsync_OpaAllows_AllowsWithOpasReason()
    {
        using var services = Services();
        _opa.Respond = c => FakeOpaServer.Json(c, """{"decision_id":"7f0c0d1e-opa","result":{"allow":true,"reason":"role 'operator' may use write tools"}}""");

        var decision = await services.Policy.EvaluateAsync(Requests.Execute(Requests.User("bob", ["operator"]), Requests.Tool("create_booking", RiskLevel.Write)), Ct);

        Assert.IsType<OpaPolicyDecisionPoint>(services.Policy);
        Assert.True(decision.Allow);
        Assert.Equal("role 'operator' may use write tools", decision.Reason);
        Assert.Equal("opa", decision.Engine);
        Assert.Matches("^dec_[0-9a-f]{16}$", decision.DecisionId);
    }

    [Fact]
    public async Task EvaluateAsync_OpaDenies_DeniesWithOpasReason()
    {
        using var services = Services();
        _opa.Respond = c => FakeOpaServer.Json(c, """{"result":{"allow":false,"reason":"no role of the caller (viewer) may use write tools","decision":{"allow":false}}}""");

        var decision = await services.Policy.EvaluateAsync(Requests.Alice("create_booking", RiskLevel.Write), Ct);

        Assert.False(decision.Allow);
        Assert.Equal("no role of the caller (viewer) may use write tools", decision.Reason);
    }

    [Fact]
    public async Task EvaluateAsync_Request_PostsTheSeedsInputToTheDecisionPath()
    {
        using var services = Services(o => o.DecisionCacheDuration = TimeSpan.Zero);
        var request = new PolicyRequest(Requests.User("alice", ["viewer"], ["dealer-ops"]), Requests.Tool("get_vehicle_inventory", RiskLevel.Read, "2.1.0"), PolicyAction.List);

        await services.Policy.EvaluateAsync(request, Ct);

        var (path, body) = Assert.Single(_opa.Requests);
        Assert.Equal("/v1/data/msil/authz", path);
        using var doc = JsonDocument.Parse(body);
        var input = doc.RootElement.GetProperty("input");
        Assert.Equal("alice", input.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal(["viewer"], input.GetProperty("user").GetProperty("roles").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["dealer-ops"], input.GetProperty("user").GetProperty("groups").EnumerateArray().Select(e => e.GetString()));
        Assert.True(input.GetProperty("user").GetProperty("authenticated").GetBoolean());
        Assert.Equal("get_vehicle_inventory", input.GetProperty("tool").GetProperty("name").GetString());
        Assert.Equal("get_vehicle_inventory", input.GetProperty("tool").GetProperty("id").GetString());
        Assert.Equal("read", input.GetProperty("tool").GetProperty("risk_level").GetString());
        Assert.Equal("2.1.0", input.GetProperty("tool").GetProperty("version").GetString());
        Assert.Equal("list", input.GetProperty("action").GetString());
        Assert.False(input.TryGetProperty("arguments", out _));
        Assert.Empty(input.GetProperty("user").GetProperty("scopes").EnumerateArray());
        Assert.Empty(input.GetProperty("tool").GetProperty("required_scopes").EnumerateArray());
    }

    [Fact]
    public async Task EvaluateAsync_ScopedToolAndToken_SendsBothScopeListsAndIsNotCached()
    {
        using var services = Services();
        var caller = Requests.User("bob", ["operator"]) with { Scopes = ["orders.read", "openid"] };
        var tool = Requests.Tool("create_order", RiskLevel.Write) with { RequiredScopes = ["orders.write"] };
        _opa.Respond = c => FakeOpaServer.Json(c, """{"result":{"allow":false,"reason":"insufficient_scope: tool 'create_order' requires scopes the token lacks: orders.write"}}""");

        var first = await services.Policy.EvaluateAsync(Requests.Execute(caller, tool), Ct);
        await services.Policy.EvaluateAsync(Requests.Execute(caller, tool), Ct);

        Assert.Equal(2, _opa.Requests.Count);
        Assert.StartsWith("insufficient_scope", first.Reason, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(_opa.Requests[0].Body);
        var input = doc.RootElement.GetProperty("input");
        Assert.Equal(["orders.read", "openid"], input.GetProperty("user").GetProperty("scopes").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["orders.write"], input.GetProperty("tool").GetProperty("required_scopes").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task EvaluateAsync_IncludeArguments_SendsTheCallsArgumentsAndDoesNotCacheCalls()
    {
        using var services = Services(o => o.IncludeArguments = true);
        var arguments = new Dictionary<string, JsonElement> { ["amount"] = JsonDocument.Parse("125.5").RootElement.Clone() };
        var request = Requests.Execute(Requests.User("bob", ["operator"]), Requests.Tool("process_payment", RiskLevel.Write), arguments);

        await services.Policy.EvaluateAsync(request, Ct);
        await services.Policy.EvaluateAsync(request, Ct);

        Assert.Equal(2, _opa.Requests.Count);
        using var doc = JsonDocument.Parse(_opa.Requests[0].Body);
        Assert.Equal(125.5, doc.RootElement.GetProperty("input").GetProperty("arguments").GetProperty("amount").GetDouble());
    }

    [Fact]
    public async Task EvaluateAsync_UndefinedResult_DeniesSayingThePolicyIsUndefined()
    {
        using var services = Services();
        _opa.Respond = c => FakeOpaServer.Json(c, "{}");

        var decision = await services.Policy.EvaluateAsync(Requests.Alice(), Ct);

        Assert.False(decision.Allow);
        Assert.StartsWith("policy undefined:", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvaluateAsync_Http500_DeniesSayingOpaIsUnavailableWithoutItsErrorText()
    {
        using var services = Services();
        _opa.Respond = c => FakeOpaServer.Json(c, """{"code":"internal_error","message":"1 error occurred: authz.rego:12: eval_conflict_error: complete rules must not produce multiple outputs"}""", 500);

        var decision = await services.Policy.EvaluateAsync(Requests.Alice(), Ct);

        Assert.False(decision.Allow);
        Assert.Equal("policy engine unavailable: OPA answered HTTP 500", decision.Reason);
        Assert.DoesNotContain("authz.rego", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvaluateAsync_Http400_DeniesSayingOpaRefusedTheQuery()
    {
        using var services = Services();
        _opa.Respond = c => FakeOpaServer.Json(c, """{"code":"invalid_parameter","message":"error(s) occurred while parsing input"}""", 400);

        var decision = await services.Policy.EvaluateAsync(Requests.Alice(), Ct);

        Assert.False(decision.Allow);
        Assert.Equal("policy engine refused the query: OPA answered HTTP 400", decision.Reason);
    }

    [Fact]
    public async Task EvaluateAsync_SlowAnswer_DeniesAfterTheTimeoutSayingSo()
    {
        using var services = Services(o => o.Timeout = TimeSpan.FromMilliseconds(750));
        _opa.Respond = FakeOpaServer.Hang;

        var pending = services.Policy.EvaluateAsync(Requests.Alice(), Ct).AsTask();
        await _opa.RequestArrived.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.False(pending.IsCompleted);
        services.Time.Advance(TimeSpan.FromMilliseconds(750));
        var decision = await pending.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.False(decision.Allow);
        Assert.Equal("policy engine unavailable: OPA did not answer within 750 ms", decision.Reason);
    }

    [Fact]
    public async Task EvaluateAsync_ConnectionRefused_DeniesSayingTheConnectionFailed()
    {
        using var services = new PolicyServices(o =>
        {
            o.Engine = PolicyEngine.Opa;
            o.Endpoint = FakeOpaServer.UnusedEndpoint();
        });

        var decision = await services.Policy.EvaluateAsync(Requests.Alice(), Ct);

        Assert.False(decision.Allow);
        Assert.Equal("policy engine unavailable: connection to OPA failed", decision.Reason);
    }

    [Theory]
    [InlineData("not json at all", "malformed policy result: OPA's answer is not JSON")]
    [InlineData("""{"result":{"allow":"yes","reason":"strings are not booleans"}}""", "malformed policy result: 'allow' is missing or not a boolean")]
    [InlineData("""{"result":{"reason":"no allow"}}""", "malformed policy result: 'allow' is missing or not a boolean")]
    [InlineData("""{"result":"allow"}""", "malformed policy result: 'result' is neither an object nor a boolean")]
    [InlineData("""[{"result":{"allow":true}}]""", "malformed policy result: OPA's answer is not a JSON object")]
    [InlineData("""{"result":{"allow":true""", "malformed policy result: OPA's answer is not JSON")]
    public async Task EvaluateAsync_MalformedBody_DeniesSayingWhatIsWrong(string body, string reason)
    {
        using var services = Services();
        _opa.Respond = c => FakeOpaServer.Json(c, body);

        var decision = await services.Policy.EvaluateAsync(Requests.Alice(), Ct);

        Assert.False(decision.Allow);
        Assert.Equal(reason, decision.Reason);
    }

    [Fact]
    public async Task EvaluateAsync_ResultIsABoolean_DecidesOnIt()
    {
        using var services = Services(o => o.DecisionPath = "msil/authz/allow");
        _opa.Respond = c => FakeOpaServer.Json(c, """{"result":true}""");

        var decision = await services.Policy.EvaluateAsync(Requests.Alice(), Ct);

        Assert.True(decision.Allow);
        Assert.Equal("/v1/data/msil/authz/allow", Assert.Single(_opa.Requests).Path);
    }

    [Fact]
    public async Task EvaluateAsync_SameQueryWithinCacheDuration_AsksOpaOnceAndGivesEachUseItsOwnId()
    {
        using var services = Services(o => o.DecisionCacheDuration = TimeSpan.FromSeconds(5));
        var request = Requests.Alice();

        var first = await services.Policy.EvaluateAsync(request, Ct);
        var second = await services.Policy.EvaluateAsync(request, Ct);
        services.Time.Advance(TimeSpan.FromSeconds(5));
        await services.Policy.EvaluateAsync(request, Ct);

        Assert.Equal(2, _opa.Requests.Count);
        Assert.Equal(first.Reason, second.Reason);
        Assert.NotEqual(first.DecisionId, second.DecisionId);
    }

    [Fact]
    public async Task EvaluateAsync_PrivilegedTool_IsNeverCached()
    {
        using var services = Services(o => o.DecisionCacheDuration = TimeSpan.FromMinutes(1));
        var request = Requests.Execute(Requests.User("carol", ["admin"]), Requests.Tool("delete_customer_data", RiskLevel.Privileged));

        await services.Policy.EvaluateAsync(request, Ct);
        await services.Policy.EvaluateAsync(request, Ct);

        Assert.Equal(2, _opa.Requests.Count);
    }

    [Fact]
    public async Task EvaluateAsync_Failure_IsNotCached()
    {
        using var services = Services(o => o.DecisionCacheDuration = TimeSpan.FromMinutes(1));
        _opa.Respond = c => FakeOpaServer.Json(c, "{}", 503);
        var request = Requests.Alice();

        var failed = await services.Policy.EvaluateAsync(request, Ct);
        _opa.Respond = c => FakeOpaServer.Json(c, """{"result":{"allow":true,"reason":"back"}}""");
        var recovered = await services.Policy.EvaluateAsync(request, Ct);

        Assert.False(failed.Allow);
        Assert.True(recovered.Allow);
        Assert.Equal(2, _opa.Requests.Count);
    }

    [Fact]
    public async Task EvaluateAsync_SameUserWithOtherRoles_AsksOpaAgain()
    {
        using var services = Services();

        await services.Policy.EvaluateAsync(Requests.Execute(Requests.User("alice", ["viewer"]), Requests.Tool("create_booking", RiskLevel.Write)), Ct);
        await services.Policy.EvaluateAsync(Requests.Execute(Requests.User("alice", ["operator"]), Requests.Tool("create_booking", RiskLevel.Write)), Ct);
        await services.Policy.EvaluateAsync(Requests.Execute(Requests.User("alice", ["operator"]), Requests.Tool("create_booking", RiskLevel.Write, "2.0.0")), Ct);

        Assert.Equal(3, _opa.Requests.Count);
    }

    [Fact]
    public async Task EvaluateAsync_CacheOff_AsksOpaEveryTime()
    {
        using var services = Services(o => o.DecisionCacheDuration = TimeSpan.Zero);

        await services.Policy.EvaluateAsync(Requests.Alice(), Ct);
        await services.Policy.EvaluateAsync(Requests.Alice(), Ct);

        Assert.Equal(2, _opa.Requests.Count);
    }

    [Fact]
    public async Task EvaluateAsync_Failure_CountedWithErrorTypeAndSpanMarkedAsError()
    {
        using var services = Services();
        using var evaluations = new MetricCollector<long>(services.MeterFactory, PolicyTelemetry.Name, "msil.mcp.policy.evaluations");
        _opa.Respond = c => FakeOpaServer.Json(c, "{}");
        var tool = "opa_probe_" + Guid.NewGuid().ToString("N")[..8];
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

        var measurement = Assert.Single(evaluations.GetMeasurementSnapshot());
        Assert.Equal("deny", measurement.Tags["msil.policy.decision"]);
        Assert.Equal("opa", measurement.Tags["msil.policy.engine"]);
        Assert.Equal("undefined", measurement.Tags["error.type"]);
        Activity span;
        lock (spans)
        {
            span = Assert.Single(spans, a => a.DisplayName == "evaluate " + tool);
        }

        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(decision.DecisionId, span.GetTagItem("msil.policy.decision_id"));
    }

    [Fact]
    public async Task EvaluateAsync_OpaDown_WarnsOnceThenLogsAtDebug()
    {
        using var services = new PolicyServices(o =>
        {
            o.Engine = PolicyEngine.Opa;
            o.Endpoint = FakeOpaServer.UnusedEndpoint();
        });

        for (var i = 0; i < 3; i++)
        {
            await services.Policy.EvaluateAsync(Requests.Alice("tool_" + i), Ct);
        }

        var logs = services.Logs.GetSnapshot();
        Assert.Single(logs, r => r.Id.Id == 3010);
        Assert.Equal(2, logs.Count(r => r.Id.Id == 3011));
    }

    [Theory]
    [InlineData("http://localhost:8181", "msil/authz", "http://localhost:8181/v1/data/msil/authz")]
    [InlineData("http://127.0.0.1:8181/", "/msil/authz/", "http://127.0.0.1:8181/v1/data/msil/authz")]
    [InlineData("https://opa.internal/policy", "msil/authz/decision", "https://opa.internal/policy/v1/data/msil/authz/decision")]
    public void DecisionUri_EndpointAndPath_KeepsThePathBase(string endpoint, string path, string expected)
    {
        var uri = OpaPolicyDecisionPoint.DecisionUri(new OpaPolicyOptions { Endpoint = new Uri(endpoint), DecisionPath = path });

        Assert.Equal(expected, uri.AbsoluteUri);
    }
}
