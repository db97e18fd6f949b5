using System.Net;
using System.Text.Json;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.Store;
using Msil.Mcp.Registry.Tests.Support;

namespace Msil.Mcp.Registry.Tests.Api;

/// <summary>Four-eyes staging (<see cref="ToolRegistryOptions.RequireSecondApproval"/>) on a real host with a SQLite store.</summary>
public sealed class ChangeEndpointsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The dealers spec with delete_dealer marked privileged.</summary>
    private static readonly string PrivilegedDealers = Specs.Dealers().Replace("operationId: deleteDealer", "operationId: deleteDealer\n      x-mcp-risk-level: privileged", StringComparison.Ordinal);

    private static Task<RegistryTestHost> StartAsync() => RegistryTestHost.StartAsync(o => o.RequireSecondApproval = true);

    [Fact]
    public async Task Import_AddsPrivilegedTool_202StagedAndNotApplied()
    {
        await using var host = await StartAsync();

        var response = await host.ImportAsync(PrivilegedDealers, user: "carol");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await RegistryTestHost.JsonAsync(response);
        Assert.Equal("staged", body.GetProperty("state").GetString());
        var id = body.GetProperty("change_id").GetString()!;
        Assert.Contains("delete_dealer", body.GetProperty("reasons")[0].GetString(), StringComparison.Ordinal);
        Assert.Empty(host.Catalog.Current.Tools);
        var request = Assert.Single(host.Audit.WithAction(ChangeAuditActions.Request));
        Assert.Equal("carol", request.UserId);

        var list = await RegistryTestHost.JsonAsync(await host.GetAsync("/api/mcp/changes?state=pending", "dave", RegistryTestHost.Admin));
        Assert.Equal(1, list.GetProperty("total").GetInt32());
        var item = list.GetProperty("items")[0];
        Assert.Equal(id, item.GetProperty("id").GetString());
        Assert.Equal("import", item.GetProperty("kind").GetString());
        Assert.Equal("openapi:dealers", item.GetProperty("source").GetString());
        Assert.Equal("carol", item.GetProperty("requested_by").GetString());
        Assert.Equal(JsonValueKind.Null, item.GetProperty("decided_by").ValueKind);

        var staged = await RegistryTestHost.JsonAsync(await host.GetAsync("/api/mcp/admin/tools?state=staged", "dave", RegistryTestHost.Admin));
        Assert.Equal(3, staged.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Approve_BySecondAdmin_AppliesAndAudits()
    {
        await using var host = await StartAsync();
        var id = await StageImportAsync(host);

        var detail = await RegistryTestHost.JsonAsync(await host.GetAsync($"/api/mcp/changes/{id}", "dave", RegistryTestHost.Admin));
        Assert.Equal(3, detail.GetProperty("diff").GetProperty("added").GetArrayLength());

        var response = await host.SendAsync(HttpMethod.Post, $"/api/mcp/changes/{id}/approve", null, "dave", RegistryTestHost.Admin);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await RegistryTestHost.JsonAsync(response);
        Assert.Equal("approved", body.GetProperty("state").GetString());
        Assert.Equal("dave", body.GetProperty("decided_by").GetString());
        Assert.Equal(["create_dealer", "delete_dealer", "get_dealers"], host.Catalog.Current.Tools.Select(t => t.Name));
        var approve = Assert.Single(host.Audit.WithAction(ChangeAuditActions.Approve));
        Assert.Equal(AuditOutcomes.Success, approve.Outcome);
        Assert.Equal("dave", approve.UserId);
        Assert.Contains("carol", approve.Detail, StringComparison.Ordinal);
        Assert.Single(host.Audit.WithAction(AuditActions.Import), r => r.Outcome == AuditOutcomes.Success);
        var again = await host.SendAsync(HttpMethod.Post, $"/api/mcp/changes/{id}/approve", null, "erin", RegistryTestHost.Admin);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task Approve_ByRequester_409AndNotApplied()
    {
        await using var host = await StartAsync();
        var id = await StageImportAsync(host);

        var response = await host.SendAsync(HttpMethod.Post, $"/api/mcp/changes/{id}/approve", null, "carol", RegistryTestHost.Admin);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("another admin", (await RegistryTestHost.JsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(host.Catalog.Current.Tools);
        Assert.Equal(AuditOutcomes.Denied, Assert.Single(host.Audit.WithAction(ChangeAuditActions.Approve)).Outcome);
        var change = await RegistryTestHost.JsonAsync(await host.GetAsync($"/api/mcp/changes/{id}", "dave", RegistryTestHost.Admin));
        Assert.Equal("pending", change.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Approve_AfterCatalogMoved_409StaleAndNotApplied()
    {
        await using var host = await StartAsync();
        var id = await StageImportAsync(host);
        var other = await host.ImportAsync(Specs.ManyOperations(2), source: "other", user: "dave");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);

        var response = await host.SendAsync(HttpMethod.Post, $"/api/mcp/changes/{id}/approve", null, "dave", RegistryTestHost.Admin);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var body = await RegistryTestHost.JsonAsync(response);
        Assert.Equal("stale", body.GetProperty("state").GetString());
        Assert.DoesNotContain(host.Catalog.Current.Tools, t => t.Name == "delete_dealer");
        var stale = await RegistryTestHost.JsonAsync(await host.GetAsync("/api/mcp/changes?state=stale", "dave", RegistryTestHost.Admin));
        Assert.Equal(1, stale.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Reject_MarksRejectedAndAudits()
    {
        await using var host = await StartAsync();
        var id = await StageImportAsync(host);

        var response = await host.SendAsync(HttpMethod.Post, $"/api/mcp/changes/{id}/reject", null, "dave", RegistryTestHost.Admin);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("rejected", (await RegistryTestHost.JsonAsync(response)).GetProperty("state").GetString());
        Assert.Empty(host.Catalog.Current.Tools);
        Assert.Equal(AuditOutcomes.Success, Assert.Single(host.Audit.WithAction(ChangeAuditActions.Reject)).Outcome);
        Assert.Equal(HttpStatusCode.Conflict, (await host.SendAsync(HttpMethod.Post, $"/api/mcp/changes/{id}/approve", null, "dave", RegistryTestHost.Admin)).StatusCode);
    }

    [Fact]
    public async Task Import_ReadAndWriteToolsOnly_AppliedWithoutApproval()
    {
        await using var host = await StartAsync();

        var response = await host.ImportAsync(Specs.ManyOperations(3), source: "reads", user: "carol");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, host.Catalog.Current.Tools.Count);
        Assert.Empty(host.Audit.WithAction(ChangeAuditActions.Request));
    }

    [Fact]
    public async Task Override_OfPrivilegedTool_Staged()
    {
        await using var host = await StartAsync();
        var id = await StageImportAsync(host);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Post, $"/api/mcp/changes/{id}/approve", null, "dave", RegistryTestHost.Admin)).StatusCode);

        var response = await host.SendAsync(HttpMethod.Put, "/api/mcp/tools/delete_dealer/override", JsonContent.Create(new { title = "Remove a dealer" }), "carol", RegistryTestHost.Admin);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var changeId = (await RegistryTestHost.JsonAsync(response)).GetProperty("change_id").GetString();
        Assert.NotEqual("Remove a dealer", host.Catalog.Current.Tools.Single(t => t.Name == "delete_dealer").Title);
        var detail = await RegistryTestHost.JsonAsync(await host.GetAsync($"/api/mcp/changes/{changeId}", "dave", RegistryTestHost.Admin));
        Assert.Equal("override", detail.GetProperty("kind").GetString());
        Assert.Equal("delete_dealer", detail.GetProperty("tool").GetString());
        Assert.Contains("title", detail.GetProperty("diff").GetProperty("changes")[0].GetProperty("changed_fields").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Post, $"/api/mcp/changes/{changeId}/approve", null, "dave", RegistryTestHost.Admin)).StatusCode);
        Assert.Equal("Remove a dealer", host.Catalog.Current.Tools.Single(t => t.Name == "delete_dealer").Title);
    }

    [Fact]
    public async Task Changes_NotAdmin_403Audited()
    {
        await using var host = await StartAsync();

        var response = await host.GetAsync("/api/mcp/changes", "bob", "operator");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Single(host.Audit.WithAction(ChangeAuditActions.Read));
    }

    [Fact]
    public async Task Changes_BadState_400NamingTheField()
    {
        await using var host = await StartAsync();

        var response = await host.GetAsync("/api/mcp/changes?state=open", "dave", RegistryTestHost.Admin);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'state'", (await RegistryTestHost.JsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static async Task<string> StageImportAsync(RegistryTestHost host)
    {
        var response = await host.ImportAsync(PrivilegedDealers, user: "carol");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await RegistryTestHost.JsonAsync(response)).GetProperty("change_id").GetString()!;
    }
}
