using System.Net;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.Tests.Support;

namespace Msil.Mcp.Registry.Tests.Api;

/// <summary>
/// Registry writes that weaken a tool's protection need an elevation grant (the elevation package's gate, in memory),
/// on a real host: refused with 403 and the approval URL, accepted once approved, audited with both names and the grant.
/// </summary>
public sealed class CurationElevationTests
{
    private const string Approver = "pim-approver";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Customers(string deleteRisk = "privileged", bool withDelete = true)
        => CustomersTemplate.Replace("@DELETE", withDelete ? DeletePath.Replace("@RISK", deleteRisk, StringComparison.Ordinal) : string.Empty, StringComparison.Ordinal);

    private const string CustomersTemplate = """
        openapi: 3.0.3
        info: {title: Customers, version: "1.0"}
        paths:
          /v1/customers:
            get:
              operationId: getCustomers
              summary: List customers
              responses: {'200': {description: ok}}
        @DELETE
        """;

    private const string DeletePath = """
          /v1/customers/{id}/data:
            delete:
              operationId: deleteCustomerData
              x-mcp-risk-level: @RISK
              summary: Delete a customer's data
              parameters:
                - {name: id, in: path, required: true, schema: {type: string}, description: Customer id}
              responses: {'204': {description: gone}}
        """;

    private static Task<RegistryTestHost> StartAsync(bool elevation = true)
        => RegistryTestHost.StartAsync(features: mcp =>
        {
            if (elevation)
            {
                mcp.AddElevation();
            }
        });

    [Fact]
    public async Task Override_LowersPrivilegedRisk_403WithElevationUrlThenSucceedsOnceApproved()
    {
        await using var host = await StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await host.ImportAsync(Customers(), source: "customers")).StatusCode);

        var refused = await PutOverrideAsync(host, "delete_customer_data", new { risk_level = "write" });

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var problem = await RegistryTestHost.JsonAsync(refused);
        Assert.Equal("urn:msil-mcp:problem:elevation-required", problem.GetProperty("type").GetString());
        var scope = problem.GetProperty("scope").GetString()!;
        Assert.Equal("registry.curate:delete_customer_data", scope);
        Assert.Contains("scope=", problem.GetProperty("elevation_url").GetString(), StringComparison.Ordinal);
        Assert.Contains("lowers the risk level", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(RiskLevel.Privileged, Served(host, "delete_customer_data").RiskLevel);
        Assert.Contains(host.Audit.WithAction(AuditActions.RegistryOverride), r => r.Outcome == AuditOutcomes.ElevationRequired && r.UserId == "carol");

        await ApproveAsync(host, "carol", scope, "PIM-7");
        var accepted = await PutOverrideAsync(host, "delete_customer_data", new { risk_level = "write" });

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(RiskLevel.Write, Served(host, "delete_customer_data").RiskLevel);
        var record = Assert.Single(host.Audit.WithAction(AuditActions.RegistryOverride), r => r.Outcome == AuditOutcomes.Success);
        Assert.Equal("PIM-7", record.ElevationReference);
        Assert.Contains("'delete_customer_data' (privileged) → 'delete_customer_data' (write)", record.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"name\": \"tidy_records\"}", "renames privileged tool")]
    [InlineData("{\"enabled\": false}", "stops serving privileged tool")]
    [InlineData("{\"risk_level\": \"read\"}", "lowers the risk level")]
    public async Task Override_WeakensPrivilegedTool_RefusedWithoutGrant(string body, string reason)
    {
        await using var host = await StartAsync();
        await host.ImportAsync(Customers(), source: "customers");

        var refused = await host.SendAsync(HttpMethod.Put, "/api/mcp/tools/delete_customer_data/override", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), "carol", RegistryTestHost.Admin);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains(reason, (await RegistryTestHost.JsonAsync(refused)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(RiskLevel.Privileged, Served(host, "delete_customer_data").RiskLevel);
    }

    [Fact]
    public async Task Override_RaisesRiskOrRewordsPrivilegedTool_NeedsNoGrant()
    {
        await using var host = await StartAsync();
        await host.ImportAsync(Customers(), source: "customers");

        var raise = await PutOverrideAsync(host, "get_customers", new { risk_level = "privileged" });
        var reword = await PutOverrideAsync(host, "delete_customer_data", new { title = "Erase customer data" });

        Assert.Equal(HttpStatusCode.OK, raise.StatusCode);
        Assert.Equal(HttpStatusCode.OK, reword.StatusCode);
        Assert.Equal(RiskLevel.Privileged, Served(host, "get_customers").RiskLevel);
    }

    [Fact]
    public async Task DeleteOverride_ThatRestoresALowerRisk_RefusedWithoutGrant()
    {
        await using var host = await StartAsync();
        await host.ImportAsync(Customers(), source: "customers");
        Assert.Equal(HttpStatusCode.OK, (await PutOverrideAsync(host, "get_customers", new { risk_level = "privileged" })).StatusCode);

        var refused = await host.SendAsync(HttpMethod.Delete, "/api/mcp/tools/get_customers/override", null, "carol", RegistryTestHost.Admin);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(RiskLevel.Privileged, Served(host, "get_customers").RiskLevel);
    }

    [Fact]
    public async Task Rollback_ToVersionWithLowerRisk_RefusedWithoutGrant()
    {
        await using var host = await StartAsync();
        await host.ImportAsync(Customers(deleteRisk: "write"), source: "customers");
        var raised = await host.ImportAsync(Customers(deleteRisk: "privileged"), source: "customers");
        Assert.Equal(HttpStatusCode.OK, raised.StatusCode);
        Assert.Equal(RiskLevel.Privileged, Served(host, "delete_customer_data").RiskLevel);

        var refused = await host.SendAsync(HttpMethod.Post, "/api/mcp/tools/delete_customer_data/rollback", JsonContent.Create(new { version = 1 }), "carol", RegistryTestHost.Admin);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(RiskLevel.Privileged, Served(host, "delete_customer_data").RiskLevel);
    }

    [Theory]
    [InlineData("write", true)]
    [InlineData("privileged", false)]
    public async Task Import_ThatLowersOrDropsAPrivilegedTool_RefusedWithoutGrantThenAcceptedOnceApproved(string newRisk, bool withDelete)
    {
        await using var host = await StartAsync();
        await host.ImportAsync(Customers(), source: "customers");

        var refused = await host.ImportAsync(Customers(deleteRisk: newRisk, withDelete: withDelete), source: "customers", user: "carol");

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var scope = (await RegistryTestHost.JsonAsync(refused)).GetProperty("scope").GetString()!;
        Assert.Equal("registry.import:customers", scope);
        Assert.Equal(RiskLevel.Privileged, Served(host, "delete_customer_data").RiskLevel);

        await ApproveAsync(host, "carol", scope, "PIM-9");
        var accepted = await host.ImportAsync(Customers(deleteRisk: newRisk, withDelete: withDelete), source: "customers", user: "carol");

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("PIM-9", host.Audit.WithAction(AuditActions.Import)[^1].ElevationReference);
    }

    [Fact]
    public async Task Override_WithoutElevationPackage_PrivilegedWriteRefused()
    {
        await using var host = await StartAsync(elevation: false);
        await host.ImportAsync(Customers(), source: "customers");

        var refused = await PutOverrideAsync(host, "delete_customer_data", new { risk_level = "write" });

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(RiskLevel.Privileged, Served(host, "delete_customer_data").RiskLevel);
    }

    [Fact]
    public async Task Override_Rename_KeepsTheToolsStableIdForPolicy()
    {
        await using var host = await StartAsync();
        await host.ImportAsync(Customers(), source: "customers");

        Assert.Equal(HttpStatusCode.OK, (await PutOverrideAsync(host, "get_customers", new { name = "find_customers" })).StatusCode);

        var served = Served(host, "find_customers");
        Assert.Equal("get_customers", served.Id);
        var record = host.Audit.WithAction(AuditActions.RegistryOverride)[^1];
        Assert.Contains("'get_customers' (read) → 'find_customers' (read)", record.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminApi_RefusedRequests_AreAudited()
    {
        await using var host = await StartAsync();
        await host.ImportAsync(Customers(), source: "customers");

        var forbidden = await host.SendAsync(HttpMethod.Put, "/api/mcp/tools/get_customers/override", JsonContent.Create(new { title = "x" }), "bob", "operator");
        var anonymous = await host.SendAsync(HttpMethod.Post, "/api/mcp/tools/get_customers/rollback", JsonContent.Create(new { version = 1 }), user: null);

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var denied = host.Audit.Records.Where(r => r.Outcome == AuditOutcomes.Denied).ToList();
        Assert.Contains(denied, r => r.Action == AuditActions.RegistryOverride && r.UserId == "bob" && r.ToolName == "get_customers" && r.Detail!.Contains("403", StringComparison.Ordinal));
        Assert.Contains(denied, r => r.Action == AuditActions.RegistryRollback && r.Detail!.Contains("401", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Discovery_NonAdmin_SeesNoHiddenOrFixedParameters()
    {
        await using var host = await StartAsync(elevation: false);
        await host.ImportAsync(Specs.Dealers());
        await host.SendAsync(HttpMethod.Put, "/api/mcp/tools/get_dealers/override", JsonContent.Create(new { hidden_parameters = new[] { "region", "limit" }, fixed_parameters = new { region = "secret-region" } }), "alice", RegistryTestHost.Admin);

        var viewer = await (await host.GetAsync("/api/mcp/tools/get_dealers", "bob", "viewer")).Content.ReadAsStringAsync(Ct);
        var admin = await (await host.GetAsync("/api/mcp/tools/get_dealers", "alice", RegistryTestHost.Admin)).Content.ReadAsStringAsync(Ct);

        Assert.DoesNotContain("secret-region", viewer, StringComparison.Ordinal);
        Assert.DoesNotContain("limit", viewer, StringComparison.Ordinal);
        Assert.DoesNotContain("override", viewer, StringComparison.Ordinal);
        Assert.Contains("secret-region", admin, StringComparison.Ordinal);
    }

    private static ToolDefinition Served(RegistryTestHost host, string name)
    {
        Assert.True(host.Catalog.Current.TryGetTool(name, out var tool), $"'{name}' is not served");
        return tool;
    }

    private static Task<HttpResponseMessage> PutOverrideAsync(RegistryTestHost host, string name, object body)
        => host.SendAsync(HttpMethod.Put, $"/api/mcp/tools/{name}/override", JsonContent.Create(body), "carol", RegistryTestHost.Admin);

    private static async Task ApproveAsync(RegistryTestHost host, string user, string scope, string reference)
    {
        var response = await host.SendAsync(HttpMethod.Post, "/api/pim/grants", JsonContent.Create(new Dictionary<string, string> { ["user_id"] = user, ["principal_key"] = CallerIdentity.KeyFor(null, "sub-" + user), ["scope"] = scope, ["approval_reference"] = reference }), "pim", Approver);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}
