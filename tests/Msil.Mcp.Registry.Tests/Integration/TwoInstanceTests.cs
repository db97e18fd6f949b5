using System.Diagnostics;
using System.Net;
using System.Text;
using Msil.Mcp.Registry.Tests.Support;

namespace Msil.Mcp.Registry.Tests.Integration;

/// <summary>
/// Two server instances sharing real PostgreSQL (and Redis): a change made through one is served by the other, through
/// the Redis notice or, without one, through the periodic revision check. The delay is written to the test output; the
/// speed goal (a second) is a measurement, not an assertion.
/// </summary>
[Trait("Category", "Integration")]
public sealed class TwoInstanceTests : IAsyncLifetime
{
    private readonly string _schema = Shared.UniqueSchema();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await Shared.DropSchemaAsync(_schema);

    [Fact]
    public async Task ImportOverrideRollback_ThroughOneInstance_ServedByTheOtherWithinOneSecond()
    {
        var hosts = await Task.WhenAll(Start(withSource: true), Start(withSource: true));
        await using var a = hosts[0];
        await using var b = hosts[1];
        Assert.Equal(3, a.Catalog.Current.Tools.Count);
        Assert.Equal(3, b.Catalog.Current.Tools.Count);

        // import through A → listed by B's discovery API
        var import = await a.ImportAsync(Specs.Dealers(withExtra: true));
        Assert.Equal(HttpStatusCode.OK, import.StatusCode);
        await WithinAsync(b, "the import through instance A", async () =>
        {
            var body = await RegistryTestHost.JsonAsync(await b.GetAsync("/api/mcp/tools"));
            return body.GetProperty("tools").EnumerateArray().Any(t => t.GetProperty("name").GetString() == "get_regions");
        });

        // The served catalogs were shared through HybridCache's second level: their entries are in Redis itself.
        await using (var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(Shared.Redis))
        {
            var server = redis.GetServer(redis.GetEndPoints()[0]);
            var keys = server.Keys(pattern: "msil:tools:cache:msil:tools:*").Select(k => (string)k!).Where(k => k.Contains(_schema, StringComparison.Ordinal) && k.EndsWith(":manifest", StringComparison.Ordinal)).ToList();
            Assert.True(keys.Count >= 2, $"expected the catalogs of at least two revisions of schema {_schema} in Redis, found: {string.Join(", ", keys)}");
        }

        // override through B → served by A
        var put = await b.SendAsync(HttpMethod.Put, "/api/mcp/tools/get_dealers/override", JsonContent.Create(new { description = "Curated on B" }), "alice", RegistryTestHost.Admin);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        await WithinAsync(a, "the override through instance B", () => Task.FromResult(a.Catalog.Current.Tools.Single(t => t.Name == "get_dealers").Description == "Curated on B"));

        // a new version through A, rollback through A → B serves version 1 again, with the override still on
        await a.ImportAsync(Specs.Dealers(listSummary: "Second wording", withExtra: true));
        var rollback = await a.SendAsync(HttpMethod.Post, "/api/mcp/tools/get_dealers/rollback", JsonContent.Create(new { version = 1 }), "alice", RegistryTestHost.Admin);
        Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        await WithinAsync(b, "the rollback through instance A", () => Task.FromResult(b.Catalog.Current.Tools.Single(t => t.Name == "get_dealers").Version == "1.0.0"));
        Assert.Equal("Curated on B", b.Catalog.Current.Tools.Single(t => t.Name == "get_dealers").Description);
    }

    [Fact]
    public async Task WithoutRedis_TheRevisionCheckServesAnImportMadeThroughTheOtherInstance()
    {
        var hosts = await Task.WhenAll(Start(withSource: true, redis: false), Start(withSource: true, redis: false));
        await using var a = hosts[0];
        await using var b = hosts[1];
        var before = b.Catalog.Current.Tools.Count;

        var import = await a.ImportAsync(Specs.Dealers(withExtra: true));

        Assert.Equal(HttpStatusCode.OK, import.StatusCode);
        Assert.Equal(3, before);
        await WithinAsync(b, "the import through instance A (no Redis)", () => Task.FromResult(b.Catalog.Current.Tools.Any(t => t.Name == "get_regions")));
    }

    [Fact]
    public async Task WithoutRedisAndWithoutTheRevisionCheck_TheOtherInstanceKeepsItsCatalog()
    {
        var hosts = await Task.WhenAll(Start(withSource: true, redis: false, check: TimeSpan.Zero), Start(withSource: true, redis: false, check: TimeSpan.Zero));
        await using var a = hosts[0];
        await using var b = hosts[1];

        var import = await a.ImportAsync(Specs.Dealers(withExtra: true));
        await Task.Delay(TimeSpan.FromMilliseconds(600), Ct); // three times the interval the other tests use

        Assert.Equal(HttpStatusCode.OK, import.StatusCode);
        Assert.Contains(a.Catalog.Current.Tools, t => t.Name == "get_regions");
        Assert.DoesNotContain(b.Catalog.Current.Tools, t => t.Name == "get_regions");
    }

    [Fact]
    public async Task TwoInstancesStartingTogether_MigrateOnceAndImportTheSourceOnce()
    {
        var hosts = await Task.WhenAll(Start(withSource: true), Start(withSource: true));
        await using var a = hosts[0];
        await using var b = hosts[1];

        var body = await RegistryTestHost.JsonAsync(await a.GetAsync("/api/mcp/tools/get_dealers", "alice", RegistryTestHost.Admin));

        Assert.Equal(1, body.GetProperty("versions").GetArrayLength());
        var imports = await RegistryTestHost.JsonAsync(await b.GetAsync("/api/mcp/imports", "alice", RegistryTestHost.Admin));
        var list = imports.GetProperty("imports").EnumerateArray().ToArray();
        Assert.Equal(2, list.Length);
        Assert.Equal(3, list.Sum(i => i.GetProperty("added").GetInt32()));
        Assert.Equal(3, list.Sum(i => i.GetProperty("unchanged").GetInt32()));
    }

    private Task<RegistryTestHost> Start(bool withSource, bool redis = true, TimeSpan? check = null) => RegistryTestHost.StartAsync(o =>
    {
        o.Store = ToolStoreKind.PostgreSql;
        o.ConnectionString = Shared.PostgreSql;
        o.Schema = _schema;
        o.Redis = redis ? Shared.Redis : null;
        o.RevisionCheckInterval = check ?? (redis ? TimeSpan.FromSeconds(30) : TimeSpan.FromMilliseconds(200));
        if (withSource)
        {
            o.Sources.Add(new OpenApiSourceOptions { Name = "dealers", Open = () => new MemoryStream(Encoding.UTF8.GetBytes(Specs.Dealers())) });
        }
    });

    private static async Task WithinAsync(RegistryTestHost observer, string what, Func<Task<bool>> seen)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var stopwatch = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(10);
        while (!await seen())
        {
            if (stopwatch.Elapsed > deadline)
            {
                Assert.Fail($"{what} was not seen by the other instance within {deadline.TotalSeconds:0} s.");
            }

            await Task.Delay(20, Ct);
        }

        stopwatch.Stop();
        TestContext.Current.TestOutputHelper?.WriteLine($"{what}: seen by the other instance after {stopwatch.Elapsed.TotalMilliseconds:0} ms");
    }
}
