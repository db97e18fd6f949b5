using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Policy.Opa.Tests.Infrastructure;
using Msil.Mcp.Testing;

namespace Msil.Mcp.Policy.Opa.Tests.EndToEnd;

/// <summary>
/// <c>POST /api/policy/simulate</c> of the core answered by this package's decision points: the embedded engine over the
/// shipped data.json, and OPA (a fake OPA server on loopback). Nothing is executed.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class PolicySimulationTests
{
    private static readonly ToolDefinition[] Tools =
    [
        WithDomain(Requests.Tool("get_vehicle_inventory", RiskLevel.Read), "inventory"),
        WithDomain(Requests.Tool("create_booking", RiskLevel.Write), "booking"),
        WithDomain(Requests.Tool("cancel_booking", RiskLevel.Write), "booking"),
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Simulate_EmbeddedEngine_ViewerMayNotWriteAndNothingRuns()
    {
        using var file = TempDataFile.CopyOfShipped();
        await using var host = await PolicyTestHost.StartAsync(o => o.DataFile = file.Path, new FakeTimeProvider(), Tools);
        using var http = host.CreateHttpClient(TestCaller.Create("root", "admin"));

        var results = await SimulateAsync(http, """{"roles":["viewer"],"groups":["dealer-ops"],"domain":"booking"}""");

        Assert.Equal(["cancel_booking", "create_booking"], results.Select(r => r.GetProperty("tool").GetString()));
        foreach (var r in results)
        {
            Assert.False(r.GetProperty("execute").GetProperty("allowed").GetBoolean());
            Assert.Equal("no role of the caller (viewer) may use write tools", r.GetProperty("execute").GetProperty("reason").GetString());
            Assert.Matches("^dec_[0-9a-f]{16}$", r.GetProperty("execute").GetProperty("decision_id").GetString());
        }

        Assert.DoesNotContain(host.Audit.Records, r => r.Action == AuditActions.ToolCall);
        Assert.Single(host.Audit.Records, r => r.Action == "policy.simulate" && r.Outcome == AuditOutcomes.Success);
    }

    [Fact]
    public async Task Simulate_Opa_DecisionAndReasonFromOpaForListAndExecute()
    {
        await using var opa = await FakeOpaServer.StartAsync();
        opa.Respond = c => FakeOpaServer.Json(c, """{"result":{"allow":true,"reason":"role 'operator' may use write tools"}}""");
        await using var host = await PolicyTestHost.StartAsync(o =>
        {
            o.Engine = PolicyEngine.Opa;
            o.Endpoint = opa.Endpoint;
        }, new FakeTimeProvider(), Tools);
        using var http = host.CreateHttpClient(TestCaller.Create("root", "admin"));

        var results = await SimulateAsync(http, """{"roles":["operator"],"tool":"create_booking"}""");

        var result = Assert.Single(results);
        Assert.Equal("write", result.GetProperty("risk_level").GetString());
        Assert.True(result.GetProperty("list").GetProperty("allowed").GetBoolean());
        Assert.True(result.GetProperty("execute").GetProperty("allowed").GetBoolean());
        Assert.Equal("role 'operator' may use write tools", result.GetProperty("execute").GetProperty("reason").GetString());
        var bodies = opa.Requests.Select(r => r.Body).ToArray();
        Assert.NotEmpty(bodies);
        Assert.All(bodies, b => Assert.Contains("operator", b, StringComparison.Ordinal));
    }

    private static async Task<JsonElement[]> SimulateAsync(HttpClient http, string body)
    {
        using var response = await http.PostAsync("/api/policy/simulate", new StringContent(body, Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("results").EnumerateArray().Select(e => e.Clone())];
    }

    private static ToolDefinition WithDomain(ToolDefinition tool, string domain) => tool with { Domain = domain };
}
