using System.Net;
using System.Text;
using System.Text.Json;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Audit.Query;
using Msil.Mcp.Audit.Tests.Support;
using Msil.Mcp.Hosting;

namespace Msil.Mcp.Audit.Tests.Query;

public sealed class AuditQueryEndpointsTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();
    private AuditTestHost _host = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

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
            await audit.WriteAsync(Sinks.Record(++i, user: user, tool: tool, allow: allow, outcome: allow ? AuditOutcomes.Success : AuditOutcomes.Denied) with { Timestamp = T0.AddHours(hours), DecisionId = "dec-" + i, PolicyReason = "rule " + i, BackendStatus = 200 }, Ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Get_AsAdminByUser_NewestFirstWithTotalAndPaging()
    {
        var page = await QueryAsync("?user=alice");

        Assert.Equal("files", page.GetProperty("store").GetString());
        Assert.Equal(["rec-6", "rec-4", "rec-3", "rec-1"], Ids(page));
        Assert.Equal(4, page.GetProperty("total").GetInt64());
        Assert.Equal(1, page.GetProperty("page").GetInt32());
        Assert.Equal(50, page.GetProperty("page_size").GetInt32());
        var item = page.GetProperty("items")[0];
        Assert.Equal(6, item.GetProperty("sequence").GetInt64());
        Assert.Equal("alice", item.GetProperty("user").GetString());
        Assert.Equal("create_booking", item.GetProperty("tool").GetString());
        Assert.Equal(AuditActions.ToolCall, item.GetProperty("action").GetString());
        Assert.Equal("allow", item.GetProperty("decision").GetString());
        Assert.Equal("dec-6", item.GetProperty("decision_id").GetString());
        Assert.Equal("rule 6", item.GetProperty("reason").GetString());
        Assert.Equal("corr-6", item.GetProperty("correlation_id").GetString());
        Assert.Equal(200, item.GetProperty("backend_status").GetInt32());
        Assert.Equal(1.25, item.GetProperty("duration_ms").GetDouble());
        Assert.StartsWith("2026-11-21T13:00:00", item.GetProperty("timestamp").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_ByToolDecisionIdsAndTime_CombinesFilters()
    {
        Assert.Equal(["rec-5", "rec-3"], Ids(await QueryAsync("?decision=deny")));
        Assert.Equal(["rec-6", "rec-5"], Ids(await QueryAsync("?tool=create_booking")));
        Assert.Equal(["rec-4", "rec-3", "rec-2"], Ids(await QueryAsync("?from=2026-11-20T11:00:00Z&to=2026-11-21T12:00:00Z")));
        Assert.Equal(["rec-4"], Ids(await QueryAsync("?user=alice&tool=get_vehicle&from=2026-11-21T00:00:00Z")));
        Assert.Equal(["rec-2"], Ids(await QueryAsync("?decision_id=dec-2")));
        Assert.Equal(["rec-5"], Ids(await QueryAsync("?correlation_id=corr-5")));
        Assert.Equal(["rec-5"], Ids(await QueryAsync("?outcome=denied&user=carol")));
    }

    [Fact]
    public async Task Get_Paged_PagesDoNotOverlap()
    {
        var first = await QueryAsync("?action=tool.call&page_size=4");
        var second = await QueryAsync("?action=tool.call&page_size=4&page=2");
        var beyond = await QueryAsync("?action=tool.call&page_size=4&page=3");

        Assert.Equal(["rec-6", "rec-5", "rec-4", "rec-3"], Ids(first));
        Assert.Equal(["rec-2", "rec-1"], Ids(second));
        Assert.Empty(Ids(beyond));
        Assert.Equal(6, beyond.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Get_WithoutAdminRole_ForbiddenAndAudited()
    {
        using var response = await _host.GetAsync(AuditQueryEndpoints.Path, "mallory", "reader");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Msil:Mcp:Audit:AdminRole", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var last = Sinks.Lines(_dir.Path)[^1];
        Assert.Contains("\"outcome\":\"denied\"", last, StringComparison.Ordinal);
        Assert.Contains("\"user_id\":\"mallory\"", last, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_Anonymous_UnauthorizedAndAudited()
    {
        using var response = await _host.GetAsync(AuditQueryEndpoints.Path, null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("refused (401", Sinks.Lines(_dir.Path)[^1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/export", AuditQueryEndpoints.ExportAction)]
    [InlineData("/3", AuditQueryEndpoints.ReadAction)]
    public async Task Get_OtherEndpointWithoutAdminRole_RefusalAuditedUnderItsAction(string path, string action)
    {
        using var response = await _host.GetAsync(AuditQueryEndpoints.Path + path, "mallory", "reader");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Msil:Mcp:Audit:AdminRole", await DetailAsync(response), StringComparison.Ordinal);
        var last = Sinks.Lines(_dir.Path)[^1];
        Assert.Contains($"\"action\":\"{action}\"", last, StringComparison.Ordinal);
        Assert.Contains("\"outcome\":\"denied\"", last, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_Anonymous_UnauthorizedAuditedAsVerify()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, AuditQueryEndpoints.Path + "/verify")
        {
            Content = new StringContent("{\"store\":\"files\"}", Encoding.UTF8, "application/json"),
        };
        using var response = await _host.Http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var last = Sinks.Lines(_dir.Path)[^1];
        Assert.Contains($"\"action\":\"{AuditQueryEndpoints.VerifyAction}\"", last, StringComparison.Ordinal);
        Assert.Contains("refused (401", last, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("?decision=maybe", "'decision'")]
    [InlineData("?from=yesterday", "'from'")]
    [InlineData("?page=0", "'page'")]
    [InlineData("?page_size=501", "'page_size'")]
    [InlineData("?store=tape", "'store'")]
    [InlineData("?store=postgres", "ConnectionString")]
    [InlineData("?from=2026-11-21T00:00:00Z&to=2026-11-20T00:00:00Z", "'to'")]
    public async Task Get_BadQuery_BadRequestNamingTheField(string query, string field)
    {
        using var response = await _host.GetAsync(AuditQueryEndpoints.Path + query, "root", "admin");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(field, await DetailAsync(response), StringComparison.Ordinal);
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

    [Fact]
    public async Task GetRecord_BySequence_WholeRecordWithChainPosition()
    {
        using var response = await _host.GetAsync(AuditQueryEndpoints.Path + "/3", "root", "admin");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var body = document.RootElement;
        Assert.Equal(3, body.GetProperty("sequence").GetInt64());
        Assert.Equal("deny", body.GetProperty("decision").GetString());
        Assert.Equal("rule 3", body.GetProperty("decision_reason").GetString());
        Assert.True(body.GetProperty("hash_verified").GetBoolean());
        Assert.Equal(64, body.GetProperty("hash").GetString()!.Length);
        var previous = Sinks.Lines(_dir.Path)[1];
        Assert.EndsWith(body.GetProperty("previous_hash").GetString() + "\"}", previous, StringComparison.Ordinal);
        Assert.Equal("rec-3", body.GetProperty("record").GetProperty("id").GetString());
    }

    [Fact]
    public async Task GetRecord_Unknown_404()
    {
        using var response = await _host.GetAsync(AuditQueryEndpoints.Path + "/999999", "root", "admin");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("'sequence'", await DetailAsync(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_Filtered_NdjsonWithTotalHeaders()
    {
        using var response = await _host.GetAsync(AuditQueryEndpoints.Path + "/export?user=alice", "root", "admin");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("4", response.Headers.GetValues("X-Audit-Total").Single());
        Assert.Equal("false", response.Headers.GetValues("X-Audit-Truncated").Single());
        var lines = (await response.Content.ReadAsStringAsync(Ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["rec-1", "rec-3", "rec-4", "rec-6"], lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()));
        Assert.Contains($"\"action\":\"{AuditQueryEndpoints.ExportAction}\"", Sinks.Lines(_dir.Path)[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_Files_OkWithCount()
    {
        var body = await VerifyAsync("files", HttpStatusCode.OK);

        Assert.Equal("files", body.GetProperty("store").GetString());
        Assert.True(body.GetProperty("ok").GetBoolean());
        Assert.True(body.GetProperty("records_checked").GetInt64() >= 6);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("first_broken_sequence").ValueKind);
        Assert.True(body.GetProperty("duration_ms").GetDouble() >= 0);
    }

    [Fact]
    public async Task Verify_WhileOneRuns_409()
    {
        var endpoints = _host.Services.GetServices<IMsilMcpEndpointContributor>().OfType<AuditQueryEndpoints>().Single();
        Assert.True(endpoints.TryEnterVerification());
        try
        {
            var body = await VerifyAsync("files", HttpStatusCode.Conflict);
            Assert.Contains("one runs at a time", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            endpoints.ExitVerification();
        }

        await VerifyAsync("files", HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("tape", "'store'")]
    [InlineData("postgres", "Msil:Mcp:Audit:PostgreSql:ConnectionString")]
    [InlineData("s3", "Msil:Mcp:Audit:S3:Bucket")]
    public async Task Verify_UnknownOrUnconfiguredStore_400NamingTheFix(string store, string fix)
    {
        var body = await VerifyAsync(store, HttpStatusCode.BadRequest);

        Assert.Contains(fix, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_Tampered_ReportsFirstBrokenSequence()
    {
        await using (var host = _host)
        {
        }

        var file = AuditLogVerifier.ChainFiles(_dir.Path).First();
        var lines = File.ReadAllLines(file);
        lines[3] = lines[3].Replace("get_vehicle", "get_vehicIe", StringComparison.Ordinal);
        File.WriteAllLines(file, lines);
        _host = await AuditTestHost.StartAsync(_dir.Path);

        var body = await VerifyAsync("files", HttpStatusCode.OK);

        Assert.False(body.GetProperty("ok").GetBoolean());
        Assert.Equal(4, body.GetProperty("first_broken_sequence").GetInt64());
        Assert.Contains("altered", body.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    private static async Task<string> DetailAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return document.RootElement.GetProperty("detail").GetString()!;
    }

    private async Task<JsonElement> VerifyAsync(string store, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, AuditQueryEndpoints.Path + "/verify")
        {
            Content = new StringContent($"{{\"store\":\"{store}\"}}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(Msil.Mcp.Testing.TestAuthenticationDefaults.HeaderName, Msil.Mcp.Testing.TestCaller.Create("root", "admin").ToHeaderValue());
        using var response = await _host.Http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == expected, text);
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    private async Task<JsonElement> QueryAsync(string query)
    {
        using var response = await _host.GetAsync(AuditQueryEndpoints.Path + query, "root", "admin");
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    private static List<string> Ids(JsonElement page)
        => page.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetString()!).Where(id => id.StartsWith("rec-", StringComparison.Ordinal)).ToList();
}
