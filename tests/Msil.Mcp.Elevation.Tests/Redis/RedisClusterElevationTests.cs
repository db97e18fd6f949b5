using Msil.Mcp.Elevation.Redis;
using Msil.Mcp.Elevation.Tests.Support;
using Msil.Mcp.Redis;
using StackExchange.Redis;

namespace Msil.Mcp.Elevation.Tests.Redis;

/// <summary>
/// Grants and pending requests on a real three-master Redis Cluster (MSIL_TEST_REDIS_CLUSTER, started by
/// build/services/redis-cluster.sh) through the one shared connection (<c>Msil:Mcp:Redis</c>), not a connection of the
/// package's own. Skipped, with the way to start the cluster, when the variable is unset.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RedisClusterElevationTests : IAsyncLifetime
{
    private readonly string _prefix = SharedRedis.UniquePrefix();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Cluster
    {
        get
        {
            var value = Environment.GetEnvironmentVariable("MSIL_TEST_REDIS_CLUSTER");
            Assert.SkipWhen(string.IsNullOrWhiteSpace(value), "MSIL_TEST_REDIS_CLUSTER is not set: start a three-master cluster with 'bash build/services/redis-cluster.sh start' (prints the export line) and export it.");
            return value!;
        }
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        var value = Environment.GetEnvironmentVariable("MSIL_TEST_REDIS_CLUSTER");
        if (string.IsNullOrWhiteSpace(value))
        {
            return;
        }

        using var connection = await ConnectionMultiplexer.ConnectAsync(value);
        var db = connection.GetDatabase();
        foreach (var server in connection.GetServers().Where(s => !s.IsReplica))
        {
            await foreach (var key in server.KeysAsync(pattern: _prefix + "*"))
            {
                await db.KeyDeleteAsync(key);
            }
        }
    }

    private GateFixture NewFixture(Action<ElevationOptions>? configure = null)
    {
        var cluster = Cluster;
        return new(
            o =>
            {
                o.Store = ElevationGrantStoreKind.Redis;
                o.RedisKeyPrefix = _prefix;
                configure?.Invoke(o);
            },
            services => services.Configure<MsilMcpRedisOptions>(o => o.ConnectionString = cluster));
    }

    [Fact]
    public async Task Grants_ManyUsersOnEveryShard_AreSavedListedAndRevoked()
    {
        using var f = NewFixture();
        Assert.IsType<RedisElevationGrantStore>(f.Store);
        var users = Enumerable.Range(0, 12).Select(i => $"user{i}@example.test").ToList();
        foreach (var user in users)
        {
            await f.SaveAsync(user: user, lifetime: TimeSpan.FromMinutes(10));
        }

        await f.Store.RevokeAsync(GateFixture.Caller(users[0]).PrincipalKey, TestTools.Privileged, Ct);
        var listed = await ((IElevationGrantListing)f.Store).ListActiveAsync(Ct);

        Assert.Equal(users.Skip(1).Select(u => GateFixture.Caller(u).PrincipalKey).Order(StringComparer.Ordinal), listed.Select(g => g.PrincipalKey).Order(StringComparer.Ordinal));
        var shared = f.Services.GetRequiredKeyedService<IConnectionMultiplexer>(MsilMcpRedisOptions.ServiceKey);
        Assert.Equal(3, shared.GetServers().Count(s => !s.IsReplica));
    }

    [Fact]
    public async Task TryConsumeAsync_TwentyConcurrentConsumers_ExactlyOneConsumes()
    {
        using var f = NewFixture();
        await f.SaveAsync(lifetime: TimeSpan.FromMinutes(10), singleUse: true);
        var carol = GateFixture.Caller().PrincipalKey;
        var store = (RedisElevationGrantStore)f.Store;

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => store.TryConsumeAsync(carol, TestTools.Privileged, new string('a', 64), Ct).AsTask()));

        Assert.Single(results, r => r.Status == ConsumeStatus.Consumed);
    }

    [Fact]
    public async Task RequestStore_AddListRemove_OnTheCluster()
    {
        using var f = NewFixture(o => o.MaxPendingRequests = 2);
        var store = f.Services.GetRequiredService<IElevationRequestStore>();
        Assert.IsType<RedisElevationRequestStore>(store);
        var now = f.Time.GetUtcNow();
        for (var i = 0; i < 3; i++)
        {
            await store.AddAsync(new ElevationRequest("req_" + i, "iss|u" + i, "u" + i, "t", "t", now.AddSeconds(i), now.AddMinutes(10), "/approve"), Ct);
        }

        // The list reads PreferReplica; this cluster has no replicas, so it reads the primary.
        Assert.Equal(["req_2", "req_1"], (await store.ListAsync(Ct)).Select(r => r.Id));
        await store.RemoveAsync("iss|u2", "t", Ct);
        Assert.Equal(["req_1"], (await store.ListAsync(Ct)).Select(r => r.Id));
    }
}
