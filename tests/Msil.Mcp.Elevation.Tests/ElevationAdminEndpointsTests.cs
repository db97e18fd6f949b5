using System.Net;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Elevation.Tests.Support;

namespace Msil.Mcp.Elevation.Tests;

/// <summary>The console's elevation endpoints: <c>GET /api/pim/grants</c>, <c>GET /api/pim/requests</c> and revocation by an administrator.</summary>
public sealed class ElevationAdminEndpointsTests
{
    private const string Carol = "carol@example.test";
    private const string Dave = "dave@example.test";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static FakeTimeProvider NewTime() => new(GateFixture.Start);

    private static Task<HttpResponseMessage> GetAsync(ElevationTestHost host, string path, string? user, params string[] roles)
        => host.SendAsync(new HttpRequestMessage(HttpMethod.Get, path), user, roles);

    [Fact]
    public async Task ListGrants_Admin_ActiveGrantsPagedAndFilteredByUser()
    {
        var time = NewTime();
        await using var host = await ElevationTestHost.StartAsync(time: time);
        (await host.GrantAsync(Carol, TestTools.Privileged, time.GetUtcNow().AddMinutes(30), "PIM-1")).Dispose();
        (await host.GrantAsync(Carol, TestTools.OtherPrivileged, time.GetUtcNow().AddMinutes(5), "PIM-2", singleUse: true)).Dispose();
        (await host.GrantAsync(Dave, TestTools.Privileged, time.GetUtcNow().AddMinutes(30), "PIM-3")).Dispose();
        time.Advance(TimeSpan.FromMinutes(10));

        using var all = await GetAsync(host, "/api/pim/grants", "root", "admin");
        using var carols = await GetAsync(host, "/api/pim/grants?user=" + Uri.EscapeDataString(Carol) + "&page=1&page_size=1", "root", "admin");

        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        var body = await ElevationTestHost.ReadJsonAsync(all);
        Assert.Equal(2, body.GetProperty("total").GetInt32());
        Assert.Equal(50, body.GetProperty("page_size").GetInt32());
        var page = await ElevationTestHost.ReadJsonAsync(carols);
        Assert.Equal(1, page.GetProperty("total").GetInt32());
        var grant = Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Equal(ElevationTestHost.PrincipalOf(Carol), grant.GetProperty("principal_key").GetString());
        Assert.Equal(Carol, grant.GetProperty("user").GetString());
        Assert.Equal(TestTools.Privileged, grant.GetProperty("scope").GetString());
        Assert.Equal(TestTools.Privileged, grant.GetProperty("tool").GetString());
        Assert.Equal("PIM-1", grant.GetProperty("approval_reference").GetString());
        Assert.Equal("2026-01-31T10:30:00Z", grant.GetProperty("expires_at").GetString());
        Assert.False(grant.GetProperty("single_use").GetBoolean());
    }

    [Fact]
    public async Task ListGrants_CustomStoreWithoutListing_501()
    {
        await using var host = await ElevationTestHost.StartAsync(time: NewTime(), services: s => s.AddSingleton<IElevationGrantStore, UnlistableStore>());

        using var response = await GetAsync(host, "/api/pim/grants", "root", "admin");

        Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
        Assert.Contains("IElevationGrantListing", (await ElevationTestHost.ReadJsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/pim/grants")]
    [InlineData("/api/pim/requests")]
    public async Task List_NotAdmin_ForbiddenAndAudited(string path)
    {
        await using var host = await ElevationTestHost.StartAsync(time: NewTime());

        using var approver = await GetAsync(host, path, "pim-system", ElevationTestHost.ApproverRole);
        using var anonymous = await GetAsync(host, path, null);

        Assert.Equal(HttpStatusCode.Forbidden, approver.StatusCode);
        Assert.Equal("application/problem+json", approver.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("denied", Assert.Single(host.Audit.WithAction(AuditActions.ElevationRefuse)).Outcome);
    }

    [Theory]
    [InlineData("page=0")]
    [InlineData("page_size=501")]
    public async Task ListGrants_BadPaging_400(string query)
    {
        await using var host = await ElevationTestHost.StartAsync(time: NewTime());

        using var response = await GetAsync(host, "/api/pim/grants?" + query, "root", "admin");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Requests_ElevationRequiredAnswer_ListedUntilGranted()
    {
        var time = NewTime();
        await using var host = await ElevationTestHost.StartAsync(time: time);
        await using (var carol = await host.ConnectAsync(Carol, "admin"))
        {
            await Assert.ThrowsAnyAsync<McpException>(() => carol.CallToolAsync(TestTools.Privileged, new Dictionary<string, object?> { ["id"] = "C042" }, cancellationToken: Ct).AsTask());
            await Assert.ThrowsAnyAsync<McpException>(() => carol.CallToolAsync(TestTools.Privileged, new Dictionary<string, object?> { ["id"] = "C043" }, cancellationToken: Ct).AsTask());
        }

        using var pending = await GetAsync(host, "/api/pim/requests", "root", "admin");
        var body = await ElevationTestHost.ReadJsonAsync(pending);
        Assert.Equal(HttpStatusCode.OK, pending.StatusCode);
        Assert.Equal(1, body.GetProperty("total").GetInt32());
        var request = body.GetProperty("items")[0];
        Assert.StartsWith("req_", request.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal(ElevationTestHost.PrincipalOf(Carol), request.GetProperty("principal_key").GetString());
        Assert.Equal(Carol, request.GetProperty("user").GetString());
        Assert.Equal(TestTools.Privileged, request.GetProperty("tool").GetString());
        Assert.Equal("2026-01-31T10:00:00Z", request.GetProperty("requested_at").GetString());
        Assert.Equal("2026-01-31T11:00:00Z", request.GetProperty("expires_at").GetString());
        Assert.Contains("/dev/pim/approve?", request.GetProperty("approval_url").GetString(), StringComparison.Ordinal);

        (await host.GrantAsync(Carol, TestTools.Privileged, time.GetUtcNow().AddMinutes(30))).Dispose();
        using var after = await GetAsync(host, "/api/pim/requests", "root", "admin");
        Assert.Equal(0, (await ElevationTestHost.ReadJsonAsync(after)).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Requests_LifetimeAndCap_ExpiredAndOldestDropped()
    {
        var time = NewTime();
        var store = new InMemoryElevationRequestStore(new StaticOptions(new ElevationOptions { MaxPendingRequests = 2, PendingRequestLifetime = TimeSpan.FromMinutes(10) }), time);
        for (var i = 0; i < 3; i++)
        {
            await store.AddAsync(new ElevationRequest("req_" + i, "iss|u" + i, "u" + i, "t", "t", time.GetUtcNow(), time.GetUtcNow().AddMinutes(10), "/x"), Ct);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(["req_2", "req_1"], (await store.ListAsync(Ct)).Select(r => r.Id));
        time.Advance(TimeSpan.FromMinutes(10));
        Assert.Empty(await store.ListAsync(Ct));
    }

    [Fact]
    public async Task Revoke_Admin_Revoked()
    {
        var time = NewTime();
        await using var host = await ElevationTestHost.StartAsync(time: time);
        (await host.GrantAsync(Carol, TestTools.Privileged, time.GetUtcNow().AddMinutes(30))).Dispose();

        using var revoke = await host.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/pim/grants/{Uri.EscapeDataString(ElevationTestHost.PrincipalOf(Carol))}/{TestTools.Privileged}"), "root", "admin");

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Equal("root", Assert.Single(host.Audit.WithAction(AuditActions.ElevationRevoke)).Actor);
        Assert.Null(await host.Services.GetRequiredService<IElevationGrantStore>().GetAsync(ElevationTestHost.PrincipalOf(Carol), TestTools.Privileged, Ct));
    }

    [Theory]
    [InlineData("", 30, 1000)]
    [InlineData("admin", 0, 1000)]
    [InlineData("admin", 30, 0)]
    public void Options_Invalid_RefusedNamingTheKey(string adminRole, int lifetimeSeconds, int max)
    {
        using var f = new GateFixture();
        var validator = f.Services.GetServices<Microsoft.Extensions.Options.IValidateOptions<ElevationOptions>>().Single(v => v is ElevationOptionsValidator);

        var result = validator.Validate(null, new ElevationOptions { AdminRole = adminRole, PendingRequestLifetime = TimeSpan.FromSeconds(lifetimeSeconds), MaxPendingRequests = max });

        Assert.True(result.Failed);
        Assert.Contains("Msil:Mcp:Elevation:", result.FailureMessage, StringComparison.Ordinal);
    }

    private sealed class StaticOptions(ElevationOptions value) : Microsoft.Extensions.Options.IOptionsMonitor<ElevationOptions>
    {
        public ElevationOptions CurrentValue => value;

        public ElevationOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<ElevationOptions, string?> listener) => null;
    }

    private sealed class UnlistableStore : IElevationGrantStore
    {
        public ValueTask<ElevationGrant?> GetAsync(string principalKey, string scope, CancellationToken cancellationToken) => new((ElevationGrant?)null);

        public ValueTask SaveAsync(ElevationGrant grant, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<bool> RevokeAsync(string principalKey, string scope, CancellationToken cancellationToken) => new(false);

        public ValueTask<ElevationGrant?> ConsumeAsync(string principalKey, string scope, CancellationToken cancellationToken) => new((ElevationGrant?)null);
    }
}
