using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.Api;
using Msil.Mcp.Registry.Catalog;
using Msil.Mcp.Registry.OpenApi;
using Msil.Mcp.Registry.Tests.OpenApi;
using Msil.Mcp.Registry.Tests.Support;

namespace Msil.Mcp.Registry.Tests.Api;

/// <summary><c>GET /api/mcp/admin/tools</c> and <c>GET /api/mcp/admin/tools/{name}</c> on a real host with a SQLite store.</summary>
public sealed class AdminToolEndpointsTests(ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task List_AsOperator_PagesAndFiltersWithTotals()
    {
        await using var host = await RegistryTestHost.StartAsync();
        await host.ImportAsync(Specs.Dealers(withExtra: true));

        var all = await RegistryTestHost.JsonAsync(await host.GetAsync("/api/mcp/admin/tools?page_size=2", "olga", "operator"));
        Assert.Equal(4, all.GetProperty("total").GetInt32());
        Assert.Equal(1, all.GetProperty("page").GetInt32());
        Assert.Equal(2, all.GetProperty("page_size").GetInt32());
        Assert.Equal(["create_dealer", "delete_dealer"], all.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()));
        var second = await RegistryTestHost.JsonAsync(await host.GetAsync("/api/mcp/admin/tools?page=2&page_size=2", "olga", "operator"));
        Assert.Equal(["get_dealers", "get_regions"], second.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()));

        var item = all.GetProperty("items")[0];
        Assert.Equal("openapi:dealers", item.GetProperty("source").GetString());
        Assert.Equal("active", item.GetProperty("state").GetString());
        Assert.Equal("POST", item.GetProperty("http_method").GetString());
        Assert.Equal("/v1/dealers", item.GetProperty("api_endpoint").GetString());
        Assert.False(string.IsNullOrEmpty(item.GetProperty("content_hash").GetString()));
        Assert.EndsWith("Z", item.GetProperty("updated_at").GetString(), StringComparison.Ordinal);

        var privileged = await RegistryTestHost.JsonAsync(await host.GetAsync("/api/mcp/admin/tools?risk_level=privileged", "alice", RegistryTestHost.Admin));
        Assert.All(privileged.GetProperty("items").EnumerateArray(), i => Assert.Equal("privileged", i.GetProperty("risk_level").GetString()));
        var search = await RegistryTestHost.JsonAsync(await host.GetAsync("/api/mcp/admin/tools?search=REGIONS&source=dealers", "alice", RegistryTestHost.Admin));
        Assert.Equal(["get_regions"], search.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()));
        var none = await RegistryTestHost.JsonAsync(await host.GetAsync("/api/mcp/admin/tools?source=other", "alice", RegistryTestHost.Admin));
        Assert.Equal(0, none.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task List_DisabledByOverride_ShownAsHidden()
    {
        await using var host = await RegistryTestHost.StartAsync();
        await host.ImportAsync(Specs.Dealers());
        var put = await host.SendAsync(HttpMethod.Put, "/api/mcp/tools/get_dealers/override", JsonContent.Create(new { enabled = false }), "alice", RegistryTestHost.Admin);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var hidden = await RegistryTestHost.JsonAsync(await host.GetAsync("/api/mcp/admin/tools?state=hidden", "alice", RegistryTestHost.Admin));

        var item = Assert.Single(hidden.GetProperty("items").EnumerateArray());
        Assert.Equal("get_dealers", item.GetProperty("name").GetString());
        var detail = await RegistryTestHost.JsonAsync(await host.GetAsync("/api/mcp/admin/tools/get_dealers", "alice", RegistryTestHost.Admin));
        Assert.False(detail.GetProperty("override").GetProperty("enabled").GetBoolean());
    }

    [Theory]
    [InlineData("risk_level=high", "'risk_level'")]
    [InlineData("state=gone", "'state'")]
    [InlineData("page=0", "'page'")]
    [InlineData("page_size=501", "'page_size'")]
    public async Task List_BadQuery_400NamingTheField(string query, string field)
    {
        await using var host = await RegistryTestHost.StartAsync();

        var response = await host.GetAsync("/api/mcp/admin/tools?" + query, "alice", RegistryTestHost.Admin);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(field, (await RegistryTestHost.JsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_NotAdminOrOperator_403Audited()
    {
        await using var host = await RegistryTestHost.StartAsync();

        var response = await host.GetAsync("/api/mcp/admin/tools", "bob", "viewer");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Msil:Mcp:Registry:OperatorRole", (await RegistryTestHost.JsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        var record = Assert.Single(host.Audit.WithAction(AdminToolEndpoints.ReadAction));
        Assert.Equal(AuditOutcomes.Denied, record.Outcome);
        Assert.Equal("bob", record.UserId);
    }

    [Fact]
    public async Task List_Anonymous_401Audited()
    {
        await using var host = await RegistryTestHost.StartAsync();

        var response = await host.SendAsync(HttpMethod.Get, "/api/mcp/admin/tools", user: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Single(host.Audit.WithAction(AdminToolEndpoints.ReadAction));
    }

    [Fact]
    public async Task List_RepeatedRequests_IndexBuiltOncePerRevision()
    {
        await using var host = await RegistryTestHost.StartAsync();
        await host.ImportAsync(Specs.Dealers());
        var index = host.Services.GetRequiredService<AdminToolIndex>();

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await host.GetAsync("/api/mcp/admin/tools?search=dealer", "alice", RegistryTestHost.Admin)).StatusCode);
        }

        var builds = index.Builds;
        Assert.Equal(1, builds);
        await host.ImportAsync(Specs.Dealers(withExtra: true));
        var after = await RegistryTestHost.JsonAsync(await host.GetAsync("/api/mcp/admin/tools", "alice", RegistryTestHost.Admin));
        Assert.Equal(4, after.GetProperty("total").GetInt32());
        Assert.Equal(2, index.Builds);
    }

    [Fact]
    public async Task Get_ServedTool_DefinitionAsInToolsListWithBindingAndVersions()
    {
        await using var host = await RegistryTestHost.StartAsync();
        await host.ImportAsync(Specs.Dealers());
        await host.ImportAsync(Specs.Dealers(listSummary: "Other words"));

        var response = await host.GetAsync("/api/mcp/admin/tools/get_dealers", "olga", "operator");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await RegistryTestHost.JsonAsync(response);
        await using var client = await host.ConnectAsync("olga", "operator");
        var listed = (await client.ListToolsAsync(cancellationToken: Ct)).Single(t => t.Name == "get_dealers");
        Assert.Equal(JsonSerializer.Serialize(listed.ProtocolTool, ModelContextProtocol.McpJsonUtilities.DefaultOptions), body.GetProperty("definition").GetRawText());
        Assert.Equal("GET", body.GetProperty("binding").GetProperty("http_method").GetString());
        Assert.Equal("/v1/dealers", body.GetProperty("binding").GetProperty("api_endpoint").GetString());
        Assert.Equal(["2.0.0", "1.0.0"], body.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetString()));
        Assert.True(body.GetProperty("versions")[0].GetProperty("source_import_id").GetInt64() > 0);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("override").ValueKind);
        Assert.Equal("2.0.0", body.GetProperty("version").GetString());
    }

    [Fact]
    public async Task Get_Unknown_404NamingTheList()
    {
        await using var host = await RegistryTestHost.StartAsync();

        var response = await host.GetAsync("/api/mcp/admin/tools/nope", "alice", RegistryTestHost.Admin);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("GET /api/mcp/admin/tools", (await RegistryTestHost.JsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The figures in docs/registry.md: the Kubernetes and GitHub specs (about 2,000 tools) imported, then page 1 asked for
    /// 200 times. Prints median and p95; asserts only the answers, never the time.
    /// </summary>
    [Fact]
    public async Task List_TwoThousandTools_Page1Latency()
    {
        string github;
        try
        {
            github = OpenApiCorpus.PathOf(OpenApiCorpus.FetchedPrefix + "github.json");
        }
        catch (InvalidOperationException ex)
        {
            Assert.Skip("The GitHub spec cannot be fetched here: " + ex.Message);
            return;
        }

        await using var host = await RegistryTestHost.StartAsync(o => o.MaxToolsPerImport = 5000);
        var registry = host.Services.GetRequiredService<ToolRegistry>();
        var identity = new CallerIdentity { UserId = "alice", Subject = "alice", IsAuthenticated = true };
        foreach (var (source, path) in new[] { ("kubernetes", OpenApiCorpus.PathOf("kubernetes-v1.13-swagger.json")), ("github", github), ("twilio", OpenApiCorpus.PathOf("twilio_api_v2010.json")) })
        {
            var bytes = await File.ReadAllBytesAsync(path, Ct);
            var compilation = new OpenApiToolCompiler().Compile(new MemoryStream(bytes), source);
            var outcome = await registry.ImportAsync(source, compilation, DocumentHash.Of(bytes), false, identity, "bench", Ct);
            Assert.Equal(ImportRefusal.None, outcome.Refusal);
        }

        var first = await RegistryTestHost.JsonAsync(await host.GetAsync("/api/mcp/admin/tools", "alice", RegistryTestHost.Admin));
        var total = first.GetProperty("total").GetInt32();
        Assert.True(total >= 2000, $"{total} tools");
        Assert.Equal(50, first.GetProperty("items").GetArrayLength());

        var timings = new List<double>();
        for (var i = 0; i < 200; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var response = await host.GetAsync("/api/mcp/admin/tools?page=1&page_size=50", "alice", RegistryTestHost.Admin);
            await response.Content.ReadAsByteArrayAsync(Ct);
            timings.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var searchTimings = new List<double>();
        for (var i = 0; i < 200; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var response = await host.GetAsync("/api/mcp/admin/tools?search=namespace&risk_level=read&page=1&page_size=50", "alice", RegistryTestHost.Admin);
            await response.Content.ReadAsByteArrayAsync(Ct);
            searchTimings.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        timings.Sort();
        searchTimings.Sort();
        output.WriteLine($"admin tools page 1 over {total} tools: median {timings[timings.Count / 2]:F2} ms, p95 {timings[(int)(timings.Count * 0.95)]:F2} ms; with search+risk filter: median {searchTimings[searchTimings.Count / 2]:F2} ms, p95 {searchTimings[(int)(searchTimings.Count * 0.95)]:F2} ms; index builds {host.Services.GetRequiredService<AdminToolIndex>().Builds}");
    }
}
