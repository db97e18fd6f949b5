using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.Tests.Support;

namespace Msil.Mcp.Registry.Tests.Startup;

/// <summary>
/// Sources by URL (<c>Sources:N:Url</c>): fetched at start through the import API's fetcher, re-fetched with the last
/// answer's validators; a changed document is imported and audited, a 304 changes nothing, a failure keeps the tools.
/// </summary>
public sealed class UrlSourceTests
{
    [Fact]
    public async Task Start_UrlSource_ImportsTheFetchedDocument()
    {
        await using var server = await ScriptedSpecServer.StartAsync();
        server.Serve(Specs.Dealers(), "\"v1\"");

        await using var host = await StartAsync(server);

        Assert.Equal(["create_dealer", "delete_dealer", "get_dealers"], ToolNames(host));
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task Refresh_ChangedThenNotModifiedThenServerError_ImportsAuditsAndKeepsTools()
    {
        await using var server = await ScriptedSpecServer.StartAsync();
        server.Serve(Specs.Dealers(), "\"v1\"");
        await using var host = await StartAsync(server);
        var refresher = host.Services.GetRequiredService<UrlSourceRefresher>();

        // A changed document: the tools change, and the import is audited as the refresh's actor.
        server.Serve(Specs.Dealers(withExtra: true), "\"v2\"");
        Assert.Equal(UrlRefreshOutcome.Imported, await refresher.RefreshAsync(0, TestContext.Current.CancellationToken));
        Assert.Equal("\"v1\"", server.LastIfNoneMatch);
        Assert.Equal(["create_dealer", "delete_dealer", "get_dealers", "get_regions"], ToolNames(host));
        var record = Assert.Single(host.Audit.WithAction(AuditActions.Import), r => r.UserId == UrlSourceRefresher.RefreshCaller.UserId);
        Assert.Equal(AuditOutcomes.Success, record.Outcome);
        Assert.Contains("1 added", record.Detail, StringComparison.Ordinal);
        Assert.Contains("refreshed from " + server.Url + ": added get_regions", record.Detail, StringComparison.Ordinal);

        // A changed description: the audit record names the tool and the changed field.
        server.Serve(Specs.Dealers(listSummary: "List the dealers of a region", withExtra: true), "\"v3\"");
        Assert.Equal(UrlRefreshOutcome.Imported, await refresher.RefreshAsync(0, TestContext.Current.CancellationToken));
        var changed = host.Audit.WithAction(AuditActions.Import)[^1];
        Assert.Contains("changed get_dealers (description, title)", changed.Detail, StringComparison.Ordinal);
        Assert.Equal("List the dealers of a region", host.Catalog.Current.Tools.Single(t => t.Name == "get_dealers").Description);

        // 304 to the last ETag: nothing changes, nothing is audited.
        server.NotModifiedFor("\"v3\"");
        var revision = host.Services.GetRequiredService<Msil.Mcp.Registry.Catalog.ToolRegistry>().Revision;
        Assert.Equal(UrlRefreshOutcome.NotModified, await refresher.RefreshAsync(0, TestContext.Current.CancellationToken));
        Assert.Equal("\"v3\"", server.LastIfNoneMatch);
        Assert.Equal(revision, host.Services.GetRequiredService<Msil.Mcp.Registry.Catalog.ToolRegistry>().Revision);
        Assert.Equal(2, host.Audit.WithAction(AuditActions.Import).Count(r => r.UserId == UrlSourceRefresher.RefreshCaller.UserId));
        Assert.Equal(HealthStatus.Healthy, await UrlHealthAsync(host));

        // 500: the last good tools stay, health is degraded until a fetch succeeds.
        server.Fail(500);
        Assert.Equal(UrlRefreshOutcome.Failed, await refresher.RefreshAsync(0, TestContext.Current.CancellationToken));
        Assert.Equal(["create_dealer", "delete_dealer", "get_dealers", "get_regions"], ToolNames(host));
        Assert.Equal(HealthStatus.Degraded, await UrlHealthAsync(host));

        server.Serve(Specs.Dealers(listSummary: "List the dealers of a region", withExtra: true), "\"v3\"");
        Assert.Equal(UrlRefreshOutcome.NotModified, await refresher.RefreshAsync(0, TestContext.Current.CancellationToken));
        Assert.Equal(HealthStatus.Healthy, await UrlHealthAsync(host));
    }

    [Fact]
    public async Task RefreshInterval_Elapses_ChangedDocumentImported()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero));
        await using var server = await ScriptedSpecServer.StartAsync();
        server.Serve(Specs.Dealers(), "\"v1\"");
        await using var host = await RegistryTestHost.StartAsync(
            o =>
            {
                o.AllowedImportHosts.Add("127.0.0.1");
                o.AllowPrivateAddresses = true;
                o.RevisionCheckInterval = TimeSpan.Zero;
                o.Sources.Add(new OpenApiSourceOptions { Name = "dealers", Url = server.Url, RefreshInterval = TimeSpan.FromMinutes(5) });
            },
            services: s => s.AddSingleton<TimeProvider>(time));
        server.Serve(Specs.Dealers(withExtra: true), "\"v2\"");

        time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(1, server.Requests);
        time.Advance(TimeSpan.FromMinutes(1));

        // The refresh runs on the timer's thread: wait (bounded) for the catalog to change, asserting the outcome only.
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        bounded.CancelAfter(TimeSpan.FromSeconds(30));
        while (host.Catalog.Current.Tools.Count != 4 && !bounded.IsCancellationRequested)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.Equal(["create_dealer", "delete_dealer", "get_dealers", "get_regions"], ToolNames(host));
        Assert.Equal("\"v1\"", server.LastIfNoneMatch);
    }

    [Fact]
    public async Task Refresh_DocumentNoLongerCompiles_KeepsTheTools()
    {
        await using var server = await ScriptedSpecServer.StartAsync();
        server.Serve(Specs.Dealers(), null);
        await using var host = await StartAsync(server);
        var refresher = host.Services.GetRequiredService<UrlSourceRefresher>();

        server.Serve("not: [an openapi document", null);

        Assert.Equal(UrlRefreshOutcome.Failed, await refresher.RefreshAsync(0, TestContext.Current.CancellationToken));
        Assert.Equal(["create_dealer", "delete_dealer", "get_dealers"], ToolNames(host));
        Assert.Equal(HealthStatus.Degraded, await UrlHealthAsync(host));
    }

    [Fact]
    public async Task Start_HostNotOnAllowList_RefusedNamingTheKey()
    {
        await using var server = await ScriptedSpecServer.StartAsync();
        server.Serve(Specs.Dealers(), null);

        var ex = await Assert.ThrowsAsync<MsilMcpConfigurationException>(() => RegistryTestHost.StartAsync(o =>
        {
            o.AllowedImportHosts.Add("api.example.com");
            o.AllowPrivateAddresses = true;
            o.Sources.Add(new OpenApiSourceOptions { Name = "dealers", Url = server.Url + "?token=secret" });
        }));

        var problem = Assert.Single(ex.Problems);
        Assert.StartsWith("Msil:Mcp:Registry:Sources:0:Url: ", problem, StringComparison.Ordinal);
        Assert.Contains("AllowedImportHosts", problem, StringComparison.Ordinal);
        Assert.DoesNotContain(Environment.NewLine, problem, StringComparison.Ordinal);
        Assert.Equal(0, server.Requests);
    }

    [Fact]
    public async Task Start_LoopbackWithoutAllowPrivateAddresses_RefusedNothingFetched()
    {
        await using var server = await ScriptedSpecServer.StartAsync();
        server.Serve(Specs.Dealers(), null);

        var ex = await Assert.ThrowsAsync<MsilMcpConfigurationException>(() => RegistryTestHost.StartAsync(o =>
        {
            o.AllowedImportHosts.Add("127.0.0.1");
            o.Sources.Add(new OpenApiSourceOptions { Name = "dealers", Url = server.Url });
        }));

        Assert.StartsWith("Msil:Mcp:Registry:Sources:0:Url: ", Assert.Single(ex.Problems), StringComparison.Ordinal);
        Assert.Equal(0, server.Requests);
    }

    [Fact]
    public async Task Start_FetchFailsWithNothingStored_FailsNamingTheKeyWithoutTheQuery()
    {
        await using var server = await ScriptedSpecServer.StartAsync();
        server.Fail(500);

        var ex = await Assert.ThrowsAsync<MsilMcpConfigurationException>(() => StartAsync(server, query: "?sig=secret"));

        var problem = Assert.Single(ex.Problems);
        Assert.StartsWith("Msil:Mcp:Registry:Sources:0:Url: ", problem, StringComparison.Ordinal);
        Assert.Contains("500", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_FetchFailsWithAStoredCatalog_KeepsServingAndIsDegraded()
    {
        var directory = Path.Combine(Path.GetTempPath(), "msil-registry-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var database = Path.Combine(directory, "registry.db");
        try
        {
            await using var server = await ScriptedSpecServer.StartAsync();
            server.Serve(Specs.Dealers(), "\"v1\"");
            await using (var first = await StartAsync(server, sqlitePath: database))
            {
                Assert.Equal(3, first.Catalog.Current.Tools.Count);
            }

            server.Fail(503);
            await using var second = await StartAsync(server, sqlitePath: database);

            Assert.Equal(["create_dealer", "delete_dealer", "get_dealers"], ToolNames(second));
            Assert.Equal(HealthStatus.Degraded, await UrlHealthAsync(second));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static Task<RegistryTestHost> StartAsync(ScriptedSpecServer server, string query = "", string? sqlitePath = null) => RegistryTestHost.StartAsync(o =>
    {
        o.AllowedImportHosts.Add("127.0.0.1");
        o.AllowPrivateAddresses = true;
        o.Sources.Add(new OpenApiSourceOptions { Name = "dealers", Url = server.Url + query });
        if (sqlitePath is not null)
        {
            o.SqlitePath = sqlitePath;
        }
    });

    private static string[] ToolNames(RegistryTestHost host) => [.. host.Catalog.Current.Tools.Select(t => t.Name).Order(StringComparer.Ordinal)];

    private static async Task<HealthStatus> UrlHealthAsync(RegistryTestHost host)
    {
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == UrlSourcesHealthCheck.Name, TestContext.Current.CancellationToken);
        return report.Entries[UrlSourcesHealthCheck.Name].Status;
    }
}

/// <summary>A loopback Kestrel server whose answer to <c>GET /spec.yaml</c> the test sets: a document (with an ETag), a 304, or an error.</summary>
internal sealed class ScriptedSpecServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private string? _document;
    private string? _etag;
    private int _status = 200;
    private int _requests;

    private ScriptedSpecServer(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    public int Requests => Volatile.Read(ref _requests);

    public string? LastIfNoneMatch { get; private set; }

    public static async Task<ScriptedSpecServer> StartAsync()
    {
        var port = Msil.Mcp.Testing.LoopbackPorts.Free();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new ScriptedSpecServer(app, $"http://127.0.0.1:{port}/spec.yaml");
        app.MapGet("/spec.yaml", (HttpContext context) => server.Answer(context));
        await app.StartAsync(TestContext.Current.CancellationToken);
        return server;
    }

    public void Serve(string document, string? etag)
    {
        lock (_gate)
        {
            (_document, _etag, _status) = (document, etag, 200);
        }
    }

    /// <summary>Answers 304 to a request whose If-None-Match is <paramref name="etag"/> (and 200 with the document otherwise).</summary>
    public void NotModifiedFor(string etag)
    {
        lock (_gate)
        {
            (_etag, _status) = (etag, 304);
        }
    }

    public void Fail(int status)
    {
        lock (_gate)
        {
            _status = status;
        }
    }

    private IResult Answer(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        var ifNoneMatch = context.Request.Headers.IfNoneMatch.ToString();
        lock (_gate)
        {
            LastIfNoneMatch = ifNoneMatch.Length == 0 ? null : ifNoneMatch;
            if (_status == 304 && ifNoneMatch == _etag)
            {
                return Results.StatusCode(304);
            }

            if (_status >= 400)
            {
                return Results.StatusCode(_status);
            }

            if (_etag is not null)
            {
                context.Response.Headers.ETag = _etag;
            }

            return Results.Text(_document ?? string.Empty, "application/yaml");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
