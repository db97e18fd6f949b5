using System.Net;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Testing;

namespace Msil.Mcp.Tests.Testing;

/// <summary>The Msil.Mcp.Testing package: its host, identity, policy, executor and audit doubles, through a real governed call.</summary>
public sealed class MsilMcpTestHostTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ToolDefinition Tool(string name, RiskLevel risk = RiskLevel.Read) => new()
    {
        Name = name,
        Description = "Test tool " + name,
        RiskLevel = risk,
        InputSchema = JsonElement.Parse("""{"type":"object","properties":{"id":{"type":"string"}},"additionalProperties":false}"""),
        Executor = ScriptedToolExecutor.DefaultKind,
        Source = "test",
        ContentHash = "hash-" + name,
    };

    [Fact]
    public async Task GovernedCall_RunsTheScriptedExecutor_AsTheTestCaller_AndIsAudited()
    {
        var executor = new ScriptedToolExecutor().Returns("get_orders", """{"orders":[]}""");
        var policy = ScriptedPolicyDecisionPoint.AllowAll();
        await using var host = await MsilMcpTestHost.StartAsync(mcp => mcp
            .UseScriptedPolicy(policy)
            .UseInMemoryAuditSink()
            .AddScriptedExecutor(executor)
            .AddTools("test", [Tool("get_orders")]), cancellationToken: Ct);
        await using var client = await host.ConnectAsync(TestCaller.Create("alice", "operator"), cancellationToken: Ct);

        var result = await client.CallToolAsync("get_orders", new Dictionary<string, object?> { ["id"] = "O-1" }, cancellationToken: Ct);
        var record = await host.Audit.WaitForAsync(r => r.Action == AuditActions.ToolCall, TimeSpan.FromSeconds(10), Ct);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("""{"orders":[]}""", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        var invocation = Assert.Single(executor.Invocations);
        Assert.Equal("O-1", invocation.Arguments["id"].GetString());
        Assert.Equal("sub-alice", invocation.Caller.Subject);
        Assert.Contains("operator", invocation.Caller.Roles);
        Assert.Contains(policy.Requests, r => r.Action == PolicyAction.Execute && r.Tool.Name == "get_orders");
        Assert.Equal(AuditOutcomes.Success, record.Outcome);
        Assert.Equal("get_orders", record.ToolName);
    }

    [Fact]
    public async Task ScriptedDenial_IsAJsonRpcError_AndTheToolNeverRuns()
    {
        var executor = new ScriptedToolExecutor();
        await using var host = await MsilMcpTestHost.StartAsync(mcp => mcp
            .UseScriptedPolicy(ScriptedPolicyDecisionPoint.AllowAll().Deny("purge", "not in business hours", PolicyAction.Execute))
            .UseInMemoryAuditSink()
            .AddScriptedExecutor(executor)
            .AddTools("test", [Tool("purge", RiskLevel.Write)]), cancellationToken: Ct);
        await using var client = await host.ConnectAsync(TestCaller.Create("bob", "viewer"), cancellationToken: Ct);

        var tools = await client.ListToolsAsync(cancellationToken: Ct);
        var error = await Assert.ThrowsAsync<McpProtocolException>(async () => await client.CallToolAsync("purge", new Dictionary<string, object?>(), cancellationToken: Ct));
        var record = await host.Audit.WaitForAsync(r => r.Outcome == AuditOutcomes.Denied, TimeSpan.FromSeconds(10), Ct);

        Assert.Contains(tools, t => t.Name == "purge"); // the rule is for Execute only: listing is allowed by default
        Assert.Contains("not in business hours", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, executor.Runs("purge"));
        Assert.Equal("purge", record.ToolName);
    }

    [Fact]
    public async Task WithoutACaller_TheEndpointAnswers401()
    {
        await using var host = await MsilMcpTestHost.StartAsync(mcp => mcp.UseInMemoryAuditSink(), cancellationToken: Ct);
        using var http = host.CreateHttpClient(caller: null);
        using var content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}""", System.Text.Encoding.UTF8, "application/json");

        using var response = await http.PostAsync(new Uri(MsilMcpTestHost.McpPath, UriKind.Relative), content, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task TestAuthentication_InProduction_RefusesToStart()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddAuthentication(TestAuthenticationDefaults.Scheme).AddMsilMcpTestAuthentication();
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync(Ct));

        Assert.Contains("must never run in Production", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InMemoryAuditSink_WaitFor_TimesOutNamingTheCount()
    {
        var sink = new InMemoryAuditSink();
        await sink.WriteAsync(new AuditRecord { Id = "1", Timestamp = DateTimeOffset.UnixEpoch, Action = AuditActions.ToolCall, Outcome = AuditOutcomes.Success, CorrelationId = "c", UserId = "u" }, Ct);

        var error = await Assert.ThrowsAsync<TimeoutException>(() => sink.WaitForAsync(r => r.Outcome == AuditOutcomes.Denied, TimeSpan.FromMilliseconds(100), Ct));

        Assert.Contains("1 record(s)", error.Message, StringComparison.Ordinal);
        Assert.Single(sink.WithOutcome(AuditOutcomes.Success));
    }

    [Fact]
    public async Task ScriptedPolicy_FailRule_Throws_AndDefaultDeniesUnlessAllowed()
    {
        var policy = new ScriptedPolicyDecisionPoint().Allow("a").Fail("b", new HttpRequestException("policy service down"));
        var caller = new CallerIdentity { UserId = "u", Subject = "u" };

        var allowed = await policy.EvaluateAsync(new PolicyRequest(caller, Tool("a"), PolicyAction.Execute), Ct);
        var denied = await policy.EvaluateAsync(new PolicyRequest(caller, Tool("c"), PolicyAction.Execute), Ct);

        Assert.True(allowed.Allow);
        Assert.False(denied.Allow);
        await Assert.ThrowsAsync<HttpRequestException>(async () => await policy.EvaluateAsync(new PolicyRequest(caller, Tool("b"), PolicyAction.List), Ct));
        Assert.Equal(3, policy.Requests.Count);
    }

    [Fact]
    public void LoopbackPorts_Free_IsBelowTheEphemeralRangeAndBindable()
    {
        var port = LoopbackPorts.Free();
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, port);
        listener.Start();

        Assert.InRange(port, 20000, 31999);
    }

    [Theory]
    [InlineData("al|ice")]
    [InlineData("")]
    [InlineData("bob,admin")]
    public void TestCaller_RefusesValuesThatWouldBreakTheHeader(string name)
        => Assert.Throws<ArgumentException>(() => TestCaller.Create(name, "viewer"));
}
