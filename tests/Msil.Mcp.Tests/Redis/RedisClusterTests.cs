using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using Msil.Mcp.RateLimiting;
using Msil.Mcp.Redis;
using Msil.Mcp.Tasks;
using StackExchange.Redis;

namespace Msil.Mcp.Tests.Redis;

/// <summary>
/// The core's Redis stores (rate limits, tasks, the Data Protection key ring) on a real three-master Redis Cluster
/// (MSIL_TEST_REDIS_CLUSTER, started by build/services/redis-cluster.sh), through the one shared connection
/// (<c>Msil:Mcp:Redis:ConnectionString</c>). Two service providers stand for two replicas. Skipped, with the way to
/// start the cluster, when the variable is unset.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RedisClusterTests : IAsyncLifetime
{
    private readonly string _tag = Guid.NewGuid().ToString("N")[..10];
    private readonly List<ServiceProvider> _providers = [];
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 7, 28, 0, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Prefix => "test:" + _tag + ":";

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
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }

        var value = Environment.GetEnvironmentVariable("MSIL_TEST_REDIS_CLUSTER");
        if (string.IsNullOrWhiteSpace(value))
        {
            return;
        }

        // KEYS is per node in a cluster: walk every primary.
        using var connection = await ConnectionMultiplexer.ConnectAsync(value);
        var db = connection.GetDatabase();
        foreach (var server in connection.GetServers().Where(s => !s.IsReplica))
        {
            await foreach (var key in server.KeysAsync(pattern: Prefix + "*"))
            {
                await db.KeyDeleteAsync(key);
            }
        }
    }

    [Fact]
    public async Task SharedConnection_EveryCoreStore_UsesTheOneKeyedMultiplexer()
    {
        var replica = Replica();
        var shared = replica.GetRequiredKeyedService<IConnectionMultiplexer>(MsilMcpRedisOptions.ServiceKey);

        Assert.IsType<RedisRateLimitStore>(replica.GetRequiredService<IRateLimitStore>());
        Assert.IsType<RedisToolTaskStore>(replica.GetRequiredService<IToolTaskStore>());
        var db = await replica.GetRequiredService<RateLimitRedisConnection>().GetDatabaseAsync(Ct);
        Assert.Same(shared, db.Multiplexer);
        Assert.Equal(3, shared.GetServers().Count(s => !s.IsReplica));
    }

    [Fact]
    public async Task RateLimit_BucketsOnEveryShard_AreSharedByTwoReplicas()
    {
        var a = Replica().GetRequiredService<IRateLimitStore>();
        var b = Replica().GetRequiredService<IRateLimitStore>();
        var rule = new RateLimitRule { PermitsPerMinute = 1, Burst = 2 };

        // Twenty users hash to slots on all three masters.
        for (var i = 0; i < 20; i++)
        {
            var key = Prefix + "rl:user" + i;
            Assert.True((await a.TryAcquireAsync(key, rule, Ct)).Acquired);
            Assert.True((await b.TryAcquireAsync(key, rule, Ct)).Acquired);
            Assert.False((await a.TryAcquireAsync(key, rule, Ct)).Acquired);
        }
    }

    [Fact]
    public async Task Tasks_CreatedOnOneReplica_AreBoundedReadUpdatedAndSignalledOnTheOther()
    {
        var a = Replica();
        var b = Replica();
        var storeA = a.GetRequiredService<IToolTaskStore>();
        var storeB = b.GetRequiredService<IToolTaskStore>();
        var heard = new TaskCompletionSource<(string, ToolTaskSignal)>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = storeA.Subscribe((id, signal) => heard.TrySetResult((id, signal)));

        // The record and its owner's set are in different slots: creation must not need one transaction over both.
        Assert.True(await storeA.TryCreateAsync(Record("t1", "bob"), 2, Ct));
        Assert.True(await storeB.TryCreateAsync(Record("t2", "bob"), 2, Ct));
        Assert.False(await storeB.TryCreateAsync(Record("t3", "bob"), 2, Ct));
        Assert.False(await storeB.TryCreateAsync(Record("t1", "alice"), 2, Ct));
        Assert.Equal(2, await storeB.CountActiveAsync("bob", Ct));

        await storeB.UpdateAsync("t1", r => r with { Status = ToolTaskStatus.Completed }, Ct);
        Assert.Equal(ToolTaskStatus.Completed, (await storeA.GetAsync("t1", Ct))!.Status);
        Assert.Equal(1, await storeA.CountActiveAsync("bob", Ct));

        // The first connect subscribes; a signal published on one node reaches a subscriber on any node.
        await storeA.GetAsync("t2", Ct);
        for (var attempt = 0; attempt < 50 && !heard.Task.IsCompleted; attempt++)
        {
            await storeB.SignalAsync("t2", ToolTaskSignal.Cancel, Ct);
            await Task.WhenAny(heard.Task, Task.Delay(100, Ct));
        }

        Assert.Equal(("t2", ToolTaskSignal.Cancel), await heard.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }

    [Fact]
    public void KeyRing_StateProtectedOnOneReplica_IsReadOnTheOther()
    {
        var a = Replica();
        var b = Replica();

        var state = Protector(a).Protect("cart=42");

        Assert.Equal("cart=42", Protector(b).Unprotect(state));
        var db = a.GetRequiredKeyedService<IConnectionMultiplexer>(MsilMcpRedisOptions.ServiceKey).GetDatabase();
        Assert.NotEmpty(db.ListRange(Prefix + "dataprotection:keys"));
    }

    [Fact]
    public async Task HealthCheck_ThreePrimariesAnswer_IsHealthy()
    {
        var replica = Replica();
        var report = await replica.GetRequiredService<HealthCheckService>().CheckHealthAsync(c => c.Name == RedisHealthCheck.Name, Ct);

        var entry = report.Entries[RedisHealthCheck.Name];
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Contains("3 primary", entry.Description, StringComparison.Ordinal);
    }

    private static IDataProtector Protector(ServiceProvider provider)
        => provider.GetRequiredService<IDataProtectionProvider>().CreateProtector("msil-mcp-cluster-test");

    private ToolTaskRecord Record(string id, string owner) => new()
    {
        TaskId = id,
        OwnerKey = owner,
        ToolName = "job",
        CorrelationId = "c-" + id,
        CreatedAt = _time.GetUtcNow(),
        LastUpdatedAt = _time.GetUtcNow(),
        TtlMs = 60_000,
        PollIntervalMs = 500,
    };

    private ServiceProvider Replica()
    {
        var cluster = Cluster;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(_time);
        services.AddMsilMcp(o => o.KeyRingRedisKey = Prefix + "dataprotection:keys");
        services.Configure<MsilMcpRedisOptions>(o => o.ConnectionString = cluster);
        services.Configure<RateLimitOptions>(o =>
        {
            o.Store = RateLimitStoreKind.Redis;
            o.RedisClock = RateLimitClock.Host;
            o.KeyPrefix = Prefix + "rl:";
        });
        services.Configure<ToolTaskOptions>(o => o.RedisKeyPrefix = Prefix + "task:");
        services.AddDataProtection().SetApplicationName("msil-mcp-cluster-test");
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        return provider;
    }
}
