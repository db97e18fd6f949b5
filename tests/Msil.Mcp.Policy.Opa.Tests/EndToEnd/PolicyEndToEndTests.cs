using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Policy.Opa.Embedded;
using Msil.Mcp.Policy.Opa.Tests.Infrastructure;

namespace Msil.Mcp.Policy.Opa.Tests.EndToEnd;

/// <summary>
/// A real host with AddMsilMcp().AddOpaPolicy(o => o.DataFile = …) driven by the MCP C# SDK client: the same policy
/// governs tools/list and tools/call, a denial's reason and decision id are in the audit record (the caller is told only
/// what a made-up name is told when it may not list the tool either), and a
/// changed data.json changes the next decision while the server runs.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class PolicyEndToEndTests
{
    private static readonly ToolDefinition[] Tools =
    [
        Requests.Tool("get_vehicle_inventory", RiskLevel.Read),
        Requests.Tool("get_dealer_enquiries", RiskLevel.Read),
        Requests.Tool("create_booking", RiskLevel.Write),
        Requests.Tool("process_payment", RiskLevel.Write),
        Requests.Tool("delete_customer_data", RiskLevel.Privileged),
    ];

    private static readonly string[] ReadTools = ["get_dealer_enquiries", "get_vehicle_inventory"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ListTools_ViewerThenDataFileGrantsWrite_NextListShowsWriteTools()
    {
        using var file = TempDataFile.CopyOfShipped();
        var time = new FakeTimeProvider();
        await using var host = await PolicyTestHost.StartAsync(o => o.DataFile = file.Path, time, Tools);
        await using var alice = await host.ConnectAsync("alice", ["viewer"], ["dealer-ops"]);

        var before = (await alice.ListToolsAsync(cancellationToken: Ct)).Select(t => t.Name).ToArray();
        file.Write(RepoFiles.ReadText(RepoFiles.Policy("data.json")).Replace("""
            "viewer": { "risk_levels": ["read"] }
            """, """
            "viewer": { "risk_levels": ["read", "write"] }
            """, StringComparison.Ordinal));
        time.Advance(EmbeddedPolicyDecisionPoint.ReloadCheckInterval);
        var after = (await alice.ListToolsAsync(cancellationToken: Ct)).Select(t => t.Name).ToArray();

        Assert.Equal(ReadTools, before);
        Assert.Equal(["create_booking", "get_dealer_enquiries", "get_vehicle_inventory", "process_payment"], after);
    }

    [Fact]
    public async Task CallTool_ViewerCallsWriteTool_AnsweredAsUnknownReasonInTheAuditThenAllowedAfterReload()
    {
        using var file = TempDataFile.CopyOfShipped();
        var time = new FakeTimeProvider();
        await using var host = await PolicyTestHost.StartAsync(o => o.DataFile = file.Path, time, Tools);
        await using var alice = await host.ConnectAsync("alice", ["viewer"], ["dealer-ops"]);

        var denied = await Assert.ThrowsAsync<McpProtocolException>(() => alice.CallToolAsync("create_booking", new Dictionary<string, object?>(), cancellationToken: Ct).AsTask());
        file.Write("""{ "roles": { "viewer": { "risk_levels": ["read", "write"] } } }""");
        time.Advance(EmbeddedPolicyDecisionPoint.ReloadCheckInterval);
        var allowed = await alice.CallToolAsync("create_booking", new Dictionary<string, object?>(), cancellationToken: Ct);

        // The embedded engine decides list like execute: a tool the viewer may not list is answered as an unknown name,
        // and only the audit record carries the reason and the decision id.
        Assert.Contains("Unknown tool: 'create_booking'", denied.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("viewer", denied.Message, StringComparison.Ordinal);
        Assert.NotEqual(true, allowed.IsError);
        await host.Audit.WaitForAsync(r => r.ToolName == "create_booking" && r.PolicyAllow == true, TimeSpan.FromSeconds(10), Ct);
        var records = host.Audit.Records.Where(r => r.ToolName == "create_booking").ToArray();
        Assert.Equal(2, records.Length);
        Assert.Matches("^dec_[0-9a-f]{16}$", records[0].DecisionId);
        Assert.Equal(false, records[0].PolicyAllow);
        Assert.Equal("no role of the caller (viewer) may use write tools", records[0].PolicyReason);
        Assert.Equal(true, records[1].PolicyAllow);
        Assert.Equal("role 'viewer' may use write tools", records[1].PolicyReason);
    }

    [Fact]
    public async Task ListTools_DemoRoles_EachSeesExactlyWhatItMayCall()
    {
        var time = new FakeTimeProvider();
        await using var host = await PolicyTestHost.StartAsync(_ => { }, time, Tools);

        async Task<string[]> NamesAsync(string user, string role, params string[] groups)
        {
            await using var client = await host.ConnectAsync(user, [role], groups);
            return [.. (await client.ListToolsAsync(cancellationToken: Ct)).Select(t => t.Name)];
        }

        Assert.Equal(ReadTools, await NamesAsync("alice", "viewer", "dealer-ops"));
        Assert.Equal(["create_booking", "get_dealer_enquiries", "get_vehicle_inventory", "process_payment"], await NamesAsync("bob", "operator", "dealer-ops"));
        Assert.Equal(["create_booking", "get_dealer_enquiries", "get_vehicle_inventory"], await NamesAsync("dave", "operator", "contractors"));
        Assert.Equal(Tools.Select(t => t.Name).Order(StringComparer.Ordinal), await NamesAsync("carol", "admin", "platform"));
        Assert.Empty(await NamesAsync("pim-approver", "pim-approver"));
    }
}
