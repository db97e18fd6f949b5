using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Elevation.Tests.Support;

namespace Msil.Mcp.Elevation.Tests;

/// <summary>The approval system's REST contract and the development approval page, through a real host.</summary>
public sealed class ElevationEndpointsTests
{
    private const string Carol = "carol@example.test";
    private const string Approver = ElevationTestHost.ApproverRole;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static FakeTimeProvider NewTime() => new(GateFixture.Start);

    private static MetricCollector<long> Events(ElevationTestHost host)
        => new(host.Services.GetRequiredService<IMeterFactory>(), ElevationTelemetry.Name, ElevationTelemetry.EventsInstrument);

    private static long Count(MetricCollector<long> events, string name)
        => events.GetMeasurementSnapshot().Where(m => Equals(m.Tags[ElevationTelemetry.EventTag], name)).Sum(m => m.Value);

    [Fact]
    public async Task CheckElevation_NoGrant_RequiresElevationWithUrl()
    {
        await using var host = await ElevationTestHost.StartAsync(time: NewTime());
        using var events = Events(host);

        using var response = await host.PostJsonAsync("/api/pim/check-elevation", new { user_id = Carol, role = "admin", scope = TestTools.Privileged }, Carol, "admin");
        var body = await ElevationTestHost.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(body.GetProperty("elevated").GetBoolean());
        Assert.True(body.GetProperty("requires_elevation").GetBoolean());
        Assert.StartsWith(host.BaseUrl + "/dev/pim/approve?user=carol%40example.test&principal=", body.GetProperty("elevation_url").GetString(), StringComparison.Ordinal);
        Assert.Contains("sub-carol%40example.test&scope=delete_customer_data&ref=", body.GetProperty("elevation_url").GetString(), StringComparison.Ordinal);
        Assert.Equal("admin", body.GetProperty("role").GetString());
        var record = Assert.Single(host.Audit.WithAction(AuditActions.ElevationCheck));
        Assert.Equal("requires_elevation", record.Outcome);
        Assert.Equal(Carol, record.UserId);
        Assert.Equal(1, Count(events, "check"));
    }

    [Fact]
    public async Task CheckElevation_ActiveGrant_ElevatedWithExpiryAndReference()
    {
        var time = NewTime();
        await using var host = await ElevationTestHost.StartAsync(time: time);
        (await host.GrantAsync(Carol, TestTools.Privileged, time.GetUtcNow().AddMinutes(30))).Dispose();

        using var response = await host.PostJsonAsync("/api/pim/check-elevation", new { user_id = Carol, role = "admin", scope = TestTools.Privileged }, Carol, "admin");
        var body = await ElevationTestHost.ReadJsonAsync(response);

        Assert.True(body.GetProperty("elevated").GetBoolean());
        Assert.Equal("2026-01-31T10:30:00Z", body.GetProperty("expires_at").GetString());
        Assert.Equal("PIM-2026-000042", body.GetProperty("approval_reference").GetString());
        Assert.Equal("elevated", Assert.Single(host.Audit.WithAction(AuditActions.ElevationCheck)).Outcome);
    }

    [Fact]
    public async Task CheckElevation_AfterExpiry_RequiresElevationAgain()
    {
        var time = NewTime();
        await using var host = await ElevationTestHost.StartAsync(time: time);
        (await host.GrantAsync(Carol, TestTools.Privileged, time.GetUtcNow().AddMinutes(30))).Dispose();

        time.Advance(TimeSpan.FromMinutes(30));
        using var response = await host.PostJsonAsync("/api/pim/check-elevation", new { scope = TestTools.Privileged }, Carol, "admin");

        Assert.True((await ElevationTestHost.ReadJsonAsync(response)).GetProperty("requires_elevation").GetBoolean());
    }

    [Fact]
    public async Task CheckElevation_ToolInScopeGroup_ChecksTheGroup()
    {
        var time = NewTime();
        await using var host = await ElevationTestHost.StartAsync(o => o.ScopeGroups["customer-admin"] = [TestTools.Privileged], time);
        (await host.GrantAsync(Carol, "customer-admin", time.GetUtcNow().AddMinutes(30))).Dispose();

        using var response = await host.PostJsonAsync("/api/pim/check-elevation", new { scope = TestTools.Privileged }, Carol, "admin");
        var body = await ElevationTestHost.ReadJsonAsync(response);

        Assert.True(body.GetProperty("elevated").GetBoolean());
        Assert.Equal("customer-admin", body.GetProperty("scope").GetString());
    }

    [Fact]
    public async Task CheckElevation_OtherUsersElevation_ForbiddenUnlessApprover()
    {
        await using var host = await ElevationTestHost.StartAsync(time: NewTime());

        using var asBob = await host.PostJsonAsync("/api/pim/check-elevation", new { user_id = Carol, scope = TestTools.Privileged }, "bob", "operator");
        using var asApprover = await host.PostJsonAsync("/api/pim/check-elevation", new { user_id = Carol, principal_key = ElevationTestHost.PrincipalOf(Carol), scope = TestTools.Privileged }, "pim-system", Approver);

        Assert.Equal(HttpStatusCode.Forbidden, asBob.StatusCode);
        Assert.Equal(HttpStatusCode.OK, asApprover.StatusCode);
        var refused = Assert.Single(host.Audit.WithAction("elevation.refuse"));
        Assert.Equal("denied", refused.Outcome);
        Assert.Equal("bob", refused.Actor); // who tried; UserId is whose elevation they asked about
        Assert.StartsWith("check:", refused.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckElevation_Unauthenticated_Unauthorized()
    {
        await using var host = await ElevationTestHost.StartAsync(time: NewTime());

        using var response = await host.PostJsonAsync("/api/pim/check-elevation", new { scope = TestTools.Privileged }, null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1]")]
    [InlineData("""{"user_id":"carol@example.test"}""")]
    public async Task CheckElevation_BadBody_BadRequest(string body)
    {
        await using var host = await ElevationTestHost.StartAsync(time: NewTime());

        using var response = await host.PostJsonAsync("/api/pim/check-elevation", body, Carol, "admin");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task CheckElevation_FieldOfWrongType_BadRequestNamingTheField()
    {
        await using var host = await ElevationTestHost.StartAsync(time: NewTime());

        using var response = await host.PostJsonAsync("/api/pim/check-elevation", """{"scope":["delete_customer_data"]}""", Carol, "admin");
        var problem = await ElevationTestHost.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.Contains("Field 'scope' has the wrong JSON type", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Grant_ByApprover_CreatedAuditedCountedAndEffective()
    {
        var time = NewTime();
        await using var host = await ElevationTestHost.StartAsync(time: time);
        using var events = Events(host);

        using var response = await host.PostJsonAsync("/api/pim/grants", new
        {
            user_id = Carol,
            principal_key = ElevationTestHost.PrincipalOf(Carol),
            scope = TestTools.Privileged,
            granted_at = "2026-01-31T10:00:00Z",
            expires_at = "2026-01-31T11:00:00Z",
            approval_reference = "PIM-2026-001234",
        }, "pim-system", Approver);
        var body = await ElevationTestHost.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"/api/pim/grants/{Uri.EscapeDataString(ElevationTestHost.PrincipalOf(Carol))}/delete_customer_data", response.Headers.Location?.OriginalString);
        Assert.Equal("2026-01-31T11:00:00Z", body.GetProperty("expires_at").GetString());
        Assert.False(body.GetProperty("single_use").GetBoolean());
        var record = Assert.Single(host.Audit.WithAction(AuditActions.ElevationGrant));
        Assert.Equal(Carol, record.UserId);
        Assert.Equal("pim-system", record.Actor);
        Assert.Equal("PIM-2026-001234", record.ElevationReference);
        Assert.Equal(1, Count(events, "grant"));
        var stored = await host.Services.GetRequiredService<IElevationGrantStore>().GetAsync(ElevationTestHost.PrincipalOf(Carol), TestTools.Privileged, Ct);
        Assert.Equal(new DateTimeOffset(2026, 1, 31, 11, 0, 0, TimeSpan.Zero), stored!.ExpiresAt);
    }

    [Fact]
    public async Task Grant_WithoutExpiry_LastsTheDefaultLifetime()
    {
        await using var host = await ElevationTestHost.StartAsync(o => o.DefaultGrantLifetime = TimeSpan.FromMinutes(20), NewTime());

        using var response = await host.PostJsonAsync("/api/pim/grants", new { user_id = Carol, principal_key = ElevationTestHost.PrincipalOf(Carol), scope = TestTools.Privileged, approval_reference = "PIM-1" }, "pim-system", Approver);

        Assert.Equal("2026-01-31T10:20:00Z", (await ElevationTestHost.ReadJsonAsync(response)).GetProperty("expires_at").GetString());
    }

    [Fact]
    public async Task Grant_SingleUseWithArguments_StoresTheirHash()
    {
        var time = NewTime();
        await using var host = await ElevationTestHost.StartAsync(time: time);

        using var response = await host.GrantAsync(Carol, TestTools.Privileged, time.GetUtcNow().AddMinutes(5), singleUse: true, arguments: new { id = "C042" });
        var body = await ElevationTestHost.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.True(body.GetProperty("single_use").GetBoolean());
        Assert.Equal(ElevationArguments.Hash(TestTools.Args("""{"id":"C042"}""")), body.GetProperty("arguments_hash").GetString());
    }

    [Fact]
    public async Task Grant_NotApprover_Forbidden()
    {
        var time = NewTime();
        await using var host = await ElevationTestHost.StartAsync(time: time);

        using var response = await host.PostJsonAsync("/api/pim/grants", new { user_id = Carol, principal_key = ElevationTestHost.PrincipalOf(Carol), scope = TestTools.Privileged, approval_reference = "PIM-1" }, Carol, "admin");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Null(await host.Services.GetRequiredService<IElevationGrantStore>().GetAsync(ElevationTestHost.PrincipalOf(Carol), TestTools.Privileged, Ct));
        Assert.Empty(host.Audit.WithAction(AuditActions.ElevationGrant));
        var refused = Assert.Single(host.Audit.WithAction("elevation.refuse"));
        Assert.Equal("denied", refused.Outcome);
        Assert.StartsWith("grant:", refused.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"scope":"x","approval_reference":"r"}""", "'user_id' is required")]
    [InlineData("""{"user_id":"u","scope":"x","approval_reference":"r","expires_at":"2026-01-31T09:00:00Z"}""", "'expires_at' must be in the future")]
    [InlineData("""{"user_id":"u","scope":"x","approval_reference":"r","expires_at":"2026-02-01T10:00:00Z"}""", "maximum grant lifetime")]
    [InlineData("""{"user_id":"u","scope":"x","approval_reference":"r","expires_at":"tomorrow"}""", "'expires_at' must be an ISO 8601 time")]
    [InlineData("""{"user_id":"u","scope":"x","approval_reference":"r","granted_at":"2026-01-31T10:05:00Z","expires_at":"2026-01-31T11:00:00Z"}""", "ahead of this server's clock")]
    [InlineData("""{"user_id":"u","scope":"x","approval_reference":"r","granted_at":"2026-01-31T10:30:00Z","expires_at":"2026-01-31T10:20:00Z"}""", "'expires_at' must be after 'granted_at'")]
    [InlineData("""{"user_id":"u","scope":"x","approval_reference":"r","single_use":"yes"}""", "Field 'single_use' has the wrong JSON type")]
    [InlineData("""{"user_id":"u","scope":"x","approval_reference":"r","arguments_hash":"abc"}""", "'arguments_hash' must be the 64-digit hex SHA-256")]
    [InlineData("""{"user_id":"u","scope":"x","approval_reference":"r","arguments":[1]}""", "Field 'arguments' has the wrong JSON type")]
    [InlineData("""{"user_id":"u","scope":"x","approval_reference":"r","arguments":{"id":"1"},"arguments_hash":"0000000000000000000000000000000000000000000000000000000000000000"}""", "does not match the hash of 'arguments'")]
    [InlineData("""{"user_id":5,"scope":"x","approval_reference":"r"}""", "Field 'user_id' has the wrong JSON type")]
    [InlineData("""{"user_id":"u","scope":"x","approval_reference":"r","expires_at":17}""", "Field 'expires_at' has the wrong JSON type")]
    public async Task Grant_Invalid_BadRequestNamingTheField(string body, string expected)
    {
        await using var host = await ElevationTestHost.StartAsync(o => o.MaxClockSkew = TimeSpan.FromMinutes(1), NewTime());

        using var response = await host.PostJsonAsync("/api/pim/grants", body, "pim-system", Approver);
        var problem = await ElevationTestHost.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Grant_GrantedAtAheadWithinSkew_Accepted()
    {
        await using var host = await ElevationTestHost.StartAsync(o => o.MaxClockSkew = TimeSpan.FromMinutes(1), NewTime());

        using var response = await host.PostJsonAsync("/api/pim/grants", """{"user_id":"u","principal_key":"urn:msil-mcp:local|sub-u","scope":"x","approval_reference":"r","granted_at":"2026-01-31T10:00:45Z","expires_at":"2026-01-31T11:00:00Z"}""", "pim-system", Approver);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Revoke_ExistingGrant_NoContentAuditedAndCallsNeedElevationAgain()
    {
        var time = NewTime();
        await using var host = await ElevationTestHost.StartAsync(time: time);
        using var events = Events(host);
        (await host.GrantAsync(Carol, TestTools.Privileged, time.GetUtcNow().AddMinutes(30))).Dispose();

        using var revoke = await host.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/pim/grants/{Uri.EscapeDataString(ElevationTestHost.PrincipalOf(Carol))}/delete_customer_data"), "pim-system", Approver);
        using var again = await host.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/pim/grants/{Uri.EscapeDataString(ElevationTestHost.PrincipalOf(Carol))}/delete_customer_data"), "pim-system", Approver);

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(["success", "not_found"], host.Audit.WithAction(AuditActions.ElevationRevoke).Select(r => r.Outcome));
        Assert.Equal(2, Count(events, "revoke"));
        Assert.Null(await host.Services.GetRequiredService<IElevationGrantStore>().GetAsync(ElevationTestHost.PrincipalOf(Carol), TestTools.Privileged, Ct));
    }

    [Fact]
    public async Task Revoke_NotApprover_Forbidden()
    {
        await using var host = await ElevationTestHost.StartAsync(time: NewTime());

        using var response = await host.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/pim/grants/carol/delete_customer_data"), Carol, "viewer");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var refused = Assert.Single(host.Audit.WithAction("elevation.refuse"));
        Assert.Equal("denied", refused.Outcome);
        Assert.StartsWith("revoke:", refused.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Endpoints_StoreDown_ServiceUnavailableAndRefusalAudited()
    {
        await using var host = await ElevationTestHost.StartAsync(time: NewTime(), services: s => s.AddSingleton<IElevationGrantStore, DownStore>());

        using var check = await host.PostJsonAsync("/api/pim/check-elevation", new { scope = TestTools.Privileged }, Carol, "admin");
        using var grant = await host.PostJsonAsync("/api/pim/grants", new { user_id = Carol, principal_key = ElevationTestHost.PrincipalOf(Carol), scope = TestTools.Privileged, approval_reference = "PIM-1" }, "pim-system", Approver);
        using var revoke = await host.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/pim/grants/carol/delete_customer_data"), "pim-system", Approver);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, check.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, grant.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, revoke.StatusCode);
        Assert.Contains("cannot be reached", (await ElevationTestHost.ReadJsonAsync(grant)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, host.Audit.WithAction("elevation.refuse").Count(r => r.Outcome == "store_unavailable"));
    }

    [Fact]
    public async Task DevApprovalPage_OneClick_GrantsForTheDefaultLifetime()
    {
        var time = NewTime();
        await using var host = await ElevationTestHost.StartAsync(time: time);

        using var page = await host.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/dev/pim/approve?user=carol%40example.test&scope=delete_customer_data&ref=abc"), null);
        using var approve = await host.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/dev/pim/approve")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["user"] = Carol, ["principal"] = ElevationTestHost.PrincipalOf(Carol), ["scope"] = TestTools.Privileged }),
        }, null);

        Assert.Contains("carol@example.test", await page.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        var grant = await host.Services.GetRequiredService<IElevationGrantStore>().GetAsync(ElevationTestHost.PrincipalOf(Carol), TestTools.Privileged, Ct);
        Assert.Equal(time.GetUtcNow().AddHours(1), grant!.ExpiresAt);
        Assert.False(grant.SingleUse);
        Assert.Equal("dev-approval-page", Assert.Single(host.Audit.WithAction(AuditActions.ElevationGrant)).Actor);
    }

    [Fact]
    public async Task DevApprovalPage_WithArguments_OffersAndGrantsSingleUse()
    {
        await using var host = await ElevationTestHost.StartAsync(time: NewTime());
        var hash = ElevationArguments.Hash(TestTools.Args("""{"id":"C042"}"""));

        using var page = await host.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/dev/pim/approve?user=carol&principal={Uri.EscapeDataString(ElevationTestHost.PrincipalOf("carol"))}&scope=delete_customer_data&ref=abc&args={hash}"), null);
        using var approve = await host.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/dev/pim/approve")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["user"] = "carol", ["principal"] = ElevationTestHost.PrincipalOf("carol"), ["scope"] = TestTools.Privileged, ["args"] = hash }),
        }, null);

        Assert.Contains("Approve once", await page.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var grant = await host.Services.GetRequiredService<IElevationGrantStore>().GetAsync(ElevationTestHost.PrincipalOf("carol"), TestTools.Privileged, Ct);
        Assert.True(grant!.SingleUse);
        Assert.Equal(hash, grant.ArgumentsHash);
    }

    [Fact]
    public async Task DevApprovalPage_OutsideDevelopment_NotMapped()
    {
        await using var host = await ElevationTestHost.StartAsync(time: NewTime(), environment: "Staging");

        using var page = await host.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/dev/pim/approve?user=carol&scope=x"), null);

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
    }

    private sealed class DownStore : IElevationGrantStore
    {
        public ValueTask<ElevationGrant?> GetAsync(string principalKey, string scope, CancellationToken cancellationToken) => throw new TimeoutException();

        public ValueTask SaveAsync(ElevationGrant grant, CancellationToken cancellationToken) => throw new TimeoutException();

        public ValueTask<bool> RevokeAsync(string principalKey, string scope, CancellationToken cancellationToken) => throw new TimeoutException();

        public ValueTask<ElevationGrant?> ConsumeAsync(string principalKey, string scope, CancellationToken cancellationToken) => throw new TimeoutException();
    }
}
