using System.Net;
using System.Text.Json;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Audit.Query;
using Msil.Mcp.Audit.Tests.Support;

namespace Msil.Mcp.Audit.Tests.Query;

public sealed class AuditQueryEndpointsTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();
    private AuditTestHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        _host = await AuditTestHost.StartAsync(_dir.Path);
        var audit = _host.Services.GetRequiredService<IAuditSink>();
        var i = 0;
        foreach (var (user, tool, allow, hours) in new[]
        {
            ("alice", "get_vehicle", true, 0), ("bob", "get_vehicle", true, 1), ("alice", "delete_customer_data", false, 2),
            ("alice", "get_vehicle", true, 25), ("carol", "create_booking", false, 26), ("alice", "create_booking", true, 27),
        })
        {
            await audit.WriteAsync(Sinks.Record(++i, user: user, tool: tool, allow: allow, outcome: allow ? AuditOutcomes.Success : AuditOutcomes.Denied) with { Timestamp = T0.AddHours(hours) }, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Get_AsAdminByUser_ReturnsOnlyThatUsersRecordsInOrder()
    {
        var page = await QueryAsync("?user=alice");

        Assert.Equal("files", page.GetProperty("source").GetString());
        Assert.Equal(["rec-1", "rec-3", "rec-4", "rec-6"], Ids(page));
        Assert.Equal(JsonValueKind.Null, page.GetProperty("next").ValueKind);
    }

    [Fact]
    public async Task Get_ByToolDecisionAndTime_CombinesFilters()
    {
        Assert.Equal(["rec-3", "rec-5"], Ids(await QueryAsync("?decision=deny")));
        Assert.Equal(["rec-5", "rec-6"], Ids(await QueryAsync("?tool=create_booking")));
        Assert.Equal(["rec-2", "rec-3", "rec-4"], Ids(await QueryAsync("?from=2026-11-20T11:00:00Z&to=2026-11-21T12:00:00Z")));
        Assert.Equal(["rec-4"], Ids(await QueryAsync("?user=alice&tool=get_vehicle&from=2026-11-21T00:00:00Z")));
    }

    [Fact]
    public async Task Get_Paged_CursorContinuesWithoutOverlap()
    {
        var first = await QueryAsync("?limit=4");
        var next = first.GetProperty("next").GetString();
        var second = await QueryAsync("?limit=4&cursor=" + Uri.EscapeDataString(next!));

        Assert.Equal(["rec-1", "rec-2", "rec-3", "rec-4"], Ids(first));
        Assert.StartsWith("rec-5", Ids(second)[0], StringComparison.Ordinal);
        Assert.DoesNotContain(Ids(second), id => Ids(first).Contains(id));
    }

    [Fact]
    public async Task Get_WithoutAdminRole_Forbidden()
    {
        using var response = await _host.GetAsync(AuditQueryEndpoints.Path, "mallory", "reader");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Msil:Mcp:Audit:AdminRole", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_Anonymous_Unauthorized()
    {
        using var response = await _host.GetAsync(AuditQueryEndpoints.Path, null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("?decision=maybe")]
    [InlineData("?from=yesterday")]
    [InlineData("?limit=0")]
    [InlineData("?limit=5000")]
    [InlineData("?cursor=%%%")]
    [InlineData("?from=2026-11-21T00:00:00Z&to=2026-11-20T00:00:00Z")]
    public async Task Get_BadQuery_BadRequestSayingWhy(string query)
    {
        using var response = await _host.GetAsync(AuditQueryEndpoints.Path + query, "root", "admin");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Get_Query_IsItselfAudited()
    {
        await QueryAsync("?tool=get_vehicle");

        var last = Sinks.Lines(_dir.Path)[^1];
        Assert.Contains($"\"action\":\"{AuditQueryEndpoints.QueryAction}\"", last, StringComparison.Ordinal);
        Assert.Contains("\"user_id\":\"root\"", last, StringComparison.Ordinal);
        Assert.Contains("tool=get_vehicle", last, StringComparison.Ordinal);
        Assert.True(AuditLogVerifier.VerifyDirectory(_dir.Path).IsValid);
    }

    private async Task<JsonElement> QueryAsync(string query)
    {
        using var response = await _host.GetAsync(AuditQueryEndpoints.Path + query, "root", "admin");
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    private static List<string> Ids(JsonElement page)
        => page.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("id").GetString()!).Where(id => id.StartsWith("rec-", StringComparison.Ordinal)).ToList();
}
