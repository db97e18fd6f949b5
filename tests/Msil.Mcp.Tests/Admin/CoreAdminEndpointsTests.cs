using System.Net;
using System.Net.Http.Json;
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
}
