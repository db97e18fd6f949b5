using System.Net;
using System.Text.Json;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Testing;

namespace Msil.Mcp.Tests.Admin;

public sealed partial class CoreAdminEndpointsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<MsilMcpTestHost> StartAsync(Action<IMsilMcpBuilder>? configure = null)
        => MsilMcpTestHost.StartAsync(
            mcp =>
            {
                mcp.UseInMemoryAuditSink();
                configure?.Invoke(mcp);
            },
            cancellationToken: Ct);

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
        => JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();

    [Fact]
    public async Task Me_Admin_AllPermissions()
    {
        await using var host = await StartAsync();
        using var http = host.CreateHttpClient(TestCaller.WithGroups("alice", ["admin"], ["ops"]));

        using var response = await http.GetAsync("/api/mcp/me", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await JsonAsync(response);
        Assert.Equal("alice", body.GetProperty("name").GetString());
        Assert.Equal(["admin"], body.GetProperty("roles").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["ops"], body.GetProperty("groups").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(
            ["tools.read", "tools.write", "changes.approve", "audit.read", "audit.verify", "policy.simulate", "elevation.read", "elevation.revoke", "users.read", "health.read"],
            body.GetProperty("permissions").EnumerateArray().Select(e => e.GetString()));
        Assert.False(string.IsNullOrEmpty(body.GetProperty("subject").GetString()));
    }

    [Theory]
    [InlineData("operator", new[] { "tools.read", "audit.read", "health.read" })]
    [InlineData("viewer", new string[0])]
    public async Task Me_OtherRoles_PermissionsFromTheRole(string role, string[] expected)
    {
        await using var host = await StartAsync();
        using var http = host.CreateHttpClient(TestCaller.Create("bob", role));

        using var response = await http.GetAsync("/api/mcp/me", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, (await JsonAsync(response)).GetProperty("permissions").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Me_ConfiguredRoleNames_Used()
    {
        await using var host = await StartAsync(mcp => mcp.Services.Configure<MsilMcpOptions>(o =>
        {
            o.AdminRole = "mcp-admins";
            o.OperatorRole = "mcp-ops";
        }));
        using var admin = host.CreateHttpClient(TestCaller.Create("a", "mcp-admins"));
        using var plainAdmin = host.CreateHttpClient(TestCaller.Create("b", "admin"));

        Assert.Equal(10, (await admin.GetFromJsonAsync<JsonElement>("/api/mcp/me", Ct)).GetProperty("permissions").GetArrayLength());
        Assert.Equal(0, (await plainAdmin.GetFromJsonAsync<JsonElement>("/api/mcp/me", Ct)).GetProperty("permissions").GetArrayLength());
    }

    [Fact]
    public async Task Me_Anonymous_401()
    {
        await using var host = await StartAsync();
        using var http = host.CreateHttpClient(null);

        using var response = await http.GetAsync("/api/mcp/me", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private static readonly ToolDefinition[] BookingTools =
    [
        Tool("get_booking", RiskLevel.Read, "booking"),
        Tool("create_booking", RiskLevel.Write, "booking"),
        Tool("delete_customer", RiskLevel.Privileged, "customers"),
    ];

    private static ToolDefinition Tool(string name, RiskLevel risk, string domain) => new()
    {
        Name = name,
        Description = "Test tool " + name,
        RiskLevel = risk,
        Domain = domain,
        InputSchema = JsonDocument.Parse("""{"type":"object"}""").RootElement.Clone(),
        Executor = ScriptedToolExecutor.DefaultKind,
        Source = "test",
        ContentHash = name + risk,
    };

    /// <summary>Admins may write; anyone else only reads; the list decision allows what execute allows.</summary>
    private static ScriptedPolicyDecisionPoint RolePolicy()
    {
        var policy = new ScriptedPolicyDecisionPoint();
        foreach (var tool in BookingTools)
        {
            policy.Rule(tool.Name, null, r => r.Tool.RiskLevel == RiskLevel.Read || r.User.IsInRole("writer")
                ? PolicyDecision.Allowed("role may", "scripted")
                : PolicyDecision.Denied($"roles [{string.Join(",", r.User.Roles)}] may not use {r.Tool.RiskLevel} tools", "scripted"));
        }

        return policy;
    }

    private static Task<MsilMcpTestHost> StartWithToolsAsync(ScriptedPolicyDecisionPoint? policy = null)
        => StartAsync(mcp => mcp.UseScriptedPolicy(policy ?? RolePolicy()).AddScriptedExecutor(new ScriptedToolExecutor()).AddTools("test", BookingTools));

    private static async Task<HttpResponseMessage> SimulateAsync(HttpClient http, string body)
        => await http.PostAsync("/api/policy/simulate", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Ct);

    [Fact]
    public async Task Simulate_DomainWithRoles_EveryToolOfTheDomainDecidedNothingExecuted()
    {
        var executor = new ScriptedToolExecutor();
        await using var host = await StartAsync(mcp => mcp.UseScriptedPolicy(RolePolicy()).AddScriptedExecutor(executor).AddTools("test", BookingTools));
        using var http = host.CreateHttpClient(TestCaller.Create("root", "admin"));

        using var response = await SimulateAsync(http, """{"roles":["viewer"],"groups":[],"domain":"booking"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await JsonAsync(response)).GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(["create_booking", "get_booking"], results.Select(r => r.GetProperty("tool").GetString()));
        Assert.Equal("write", results[0].GetProperty("risk_level").GetString());
        Assert.False(results[0].GetProperty("execute").GetProperty("allowed").GetBoolean());
        Assert.False(results[0].GetProperty("list").GetProperty("allowed").GetBoolean());
        Assert.Equal("roles [viewer] may not use Write tools", results[0].GetProperty("execute").GetProperty("reason").GetString());
        Assert.StartsWith("dec_", results[0].GetProperty("execute").GetProperty("decision_id").GetString(), StringComparison.Ordinal);
        Assert.True(results[1].GetProperty("execute").GetProperty("allowed").GetBoolean());
        Assert.Empty(executor.Invocations);
        var audit = Assert.Single(host.Audit.WithAction("policy.simulate"));
        Assert.Equal(AuditOutcomes.Success, audit.Outcome);
        Assert.Equal("root", audit.UserId);
        Assert.Contains("domain 'booking' (2 tools)", audit.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_KnownUser_RolesFromTheUsersStoreExplicitRolesOverride()
    {
        await using var host = await StartWithToolsAsync();
        var users = host.Services.GetRequiredService<IUserDirectory>();
        var now = TimeProvider.System.GetUtcNow();
        await users.MergeAsync([new UserRecord { PrincipalKey = "iss|alice", Subject = "alice-sub", Issuer = "iss", Name = "alice", Roles = ["writer"], FirstSeen = now, LastSeen = now, Calls = 1 }], Ct);
        using var http = host.CreateHttpClient(TestCaller.Create("root", "admin"));

        using var fromStore = await SimulateAsync(http, """{"user":"alice","tool":"create_booking"}""");
        using var overridden = await SimulateAsync(http, """{"user":"alice","roles":["viewer"],"tool":"create_booking"}""");

        Assert.True((await JsonAsync(fromStore)).GetProperty("results")[0].GetProperty("execute").GetProperty("allowed").GetBoolean());
        Assert.False((await JsonAsync(overridden)).GetProperty("results")[0].GetProperty("execute").GetProperty("allowed").GetBoolean());
    }

    [Fact]
    public async Task Simulate_UserByTheLocalPartOfTheirName_FoundWhenUnique()
    {
        await using var host = await StartWithToolsAsync();
        var users = host.Services.GetRequiredService<IUserDirectory>();
        var now = TimeProvider.System.GetUtcNow();
        await users.MergeAsync(
        [
            new UserRecord { PrincipalKey = "iss|user-alice", Subject = "user-alice", Issuer = "iss", Name = "alice@example.test", Roles = ["writer"], FirstSeen = now, LastSeen = now, Calls = 1 },
            new UserRecord { PrincipalKey = "iss|user-bob", Subject = "user-bob", Issuer = "iss", Name = "bob@example.test", Roles = ["writer"], FirstSeen = now, LastSeen = now, Calls = 1 },
            new UserRecord { PrincipalKey = "other|user-bob", Subject = "user-bob", Issuer = "other", Name = "bob@example.org", Roles = ["writer"], FirstSeen = now, LastSeen = now, Calls = 1 },
        ], Ct);
        using var http = host.CreateHttpClient(TestCaller.Create("root", "admin"));

        using var alice = await SimulateAsync(http, """{"user":"alice","tool":"create_booking"}""");
        using var bob = await SimulateAsync(http, """{"user":"bob","tool":"create_booking"}""");

        Assert.True((await JsonAsync(alice)).GetProperty("results")[0].GetProperty("execute").GetProperty("allowed").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, bob.StatusCode); // two bobs: which one is for the admin to say
    }

    [Theory]
    [InlineData("""{"roles":["viewer"]}""", "exactly one of 'tool'")]
    [InlineData("""{"roles":["viewer"],"tool":"get_booking","domain":"booking"}""", "exactly one of 'tool'")]
    [InlineData("""{"roles":"viewer","tool":"get_booking"}""", "Field 'roles' has the wrong JSON type")]
    [InlineData("""[1]""", "The body must be a JSON object")]
    public async Task Simulate_BadBody_400NamesTheField(string body, string expected)
    {
        await using var host = await StartWithToolsAsync();
        using var http = host.CreateHttpClient(TestCaller.Create("root", "admin"));

        using var response = await SimulateAsync(http, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(expected, (await JsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"roles":[],"tool":"no_such_tool"}""", "'tool'")]
    [InlineData("""{"roles":[],"domain":"nothing"}""", "'domain'")]
    [InlineData("""{"user":"stranger","tool":"get_booking"}""", "'user'")]
    public async Task Simulate_UnknownToolDomainOrUser_404(string body, string field)
    {
        await using var host = await StartWithToolsAsync();
        using var http = host.CreateHttpClient(TestCaller.Create("root", "admin"));

        using var response = await SimulateAsync(http, body);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains(field, (await JsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("operator", HttpStatusCode.Forbidden)]
    [InlineData("viewer", HttpStatusCode.Forbidden)]
    public async Task Simulate_NotAdmin_RefusedAndAudited(string? role, HttpStatusCode expected)
    {
        await using var host = await StartWithToolsAsync();
        using var http = host.CreateHttpClient(role is null ? null : TestCaller.Create("mallory", role));

        using var response = await SimulateAsync(http, """{"roles":["admin"],"tool":"get_booking"}""");

        Assert.Equal(expected, response.StatusCode);
        var audit = Assert.Single(host.Audit.WithAction("policy.simulate"));
        Assert.Equal(AuditOutcomes.Denied, audit.Outcome);
        Assert.Contains(role is null ? "401" : "403", audit.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Users_AfterCalls_ListedWithCountsAfterFlush()
    {
        await using var host = await StartWithToolsAsync();
        await using (var alice = await host.ConnectAsync(TestCaller.WithGroups("alice", ["viewer"], ["sales"]), cancellationToken: Ct))
        {
            await alice.CallToolAsync("get_booking", new Dictionary<string, object?>(), cancellationToken: Ct);
            await Assert.ThrowsAnyAsync<Exception>(() => alice.CallToolAsync("create_booking", new Dictionary<string, object?>(), cancellationToken: Ct).AsTask());
        }

        await host.Services.GetRequiredService<Msil.Mcp.Admin.UserDirectoryFlusher>().FlushAsync(Ct);
        using var http = host.CreateHttpClient(TestCaller.Create("root", "admin"));

        var list = await http.GetFromJsonAsync<JsonElement>("/api/users?search=ALI&page=1&page_size=10", Ct);

        Assert.Equal(1, list.GetProperty("total").GetInt64());
        Assert.Equal(1, list.GetProperty("page").GetInt32());
        Assert.Equal(10, list.GetProperty("page_size").GetInt32());
        var user = list.GetProperty("items")[0];
        Assert.Equal("alice", user.GetProperty("name").GetString());
        Assert.Equal(2, user.GetProperty("calls").GetInt64());
        Assert.Equal(1, user.GetProperty("denials").GetInt64());
        Assert.Equal(["sales"], user.GetProperty("groups").EnumerateArray().Select(e => e.GetString()));
        Assert.EndsWith("Z", user.GetProperty("first_seen").GetString(), StringComparison.Ordinal);

        var key = user.GetProperty("principal_key").GetString()!;
        var one = await http.GetFromJsonAsync<JsonElement>("/api/users/" + Uri.EscapeDataString(key), Ct);
        Assert.Equal(key, one.GetProperty("principal_key").GetString());
        using var missing = await http.GetAsync("/api/users/" + Uri.EscapeDataString("nobody|x"), Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Theory]
    [InlineData("page=0")]
    [InlineData("page_size=501")]
    [InlineData("page_size=x")]
    public async Task Users_BadPaging_400(string query)
    {
        await using var host = await StartAsync();
        using var http = host.CreateHttpClient(TestCaller.Create("root", "admin"));

        using var response = await http.GetAsync("/api/users?" + query, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'page", (await JsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("operator", HttpStatusCode.Forbidden)]
    public async Task Users_NotAdmin_RefusedAndAudited(string? role, HttpStatusCode expected)
    {
        await using var host = await StartAsync();
        using var http = host.CreateHttpClient(role is null ? null : TestCaller.Create("mallory", role));

        using var response = await http.GetAsync("/api/users", Ct);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(AuditOutcomes.Denied, Assert.Single(host.Audit.WithAction("users.read")).Outcome);
    }

    [Theory]
    [InlineData("admin")]
    [InlineData("operator")]
    public async Task Health_AdminOrOperator_ChecksGatewaysAndRates(string role)
    {
        await using var host = await StartWithToolsAsync();
        await using (var alice = await host.ConnectAsync(TestCaller.Create("alice", "viewer"), cancellationToken: Ct))
        {
            await alice.CallToolAsync("get_booking", new Dictionary<string, object?>(), cancellationToken: Ct);
        }

        using var http = host.CreateHttpClient(TestCaller.Create("ops", role));

        var health = await http.GetFromJsonAsync<JsonElement>("/api/mcp/admin/health", Ct);

        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.Contains(health.GetProperty("checks").EnumerateArray(), c => c.GetProperty("name").GetString() == "msil-catalog");
        Assert.Equal(JsonValueKind.Array, health.GetProperty("gateways").ValueKind);
        Assert.Equal(JsonValueKind.Null, health.GetProperty("audit_outbox_lag").ValueKind);
        var rates = health.GetProperty("rates");
        Assert.Equal(300, rates.GetProperty("window_seconds").GetInt32());
        Assert.Equal(30, rates.GetProperty("buckets").GetArrayLength());
        Assert.Equal(1, rates.GetProperty("buckets").EnumerateArray().Sum(b => b.GetProperty("calls").GetInt32()));
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("viewer", HttpStatusCode.Forbidden)]
    public async Task Health_NeitherAdminNorOperator_RefusedAndAudited(string? role, HttpStatusCode expected)
    {
        await using var host = await StartAsync();
        using var http = host.CreateHttpClient(role is null ? null : TestCaller.Create("mallory", role));

        using var response = await http.GetAsync("/api/mcp/admin/health", Ct);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(AuditOutcomes.Denied, Assert.Single(host.Audit.WithAction("health.read")).Outcome);
    }
}
