using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Catalog;
using Msil.Mcp.Pipeline;
using Msil.Mcp.RateLimiting;
using Msil.Mcp.Tests.Hosting;
using Msil.Mcp.Tests.Infrastructure;
using StackExchange.Redis;

namespace Msil.Mcp.Tests.RateLimiting;

/// <summary>
/// The Redis rate-limit store on a real Redis (REDIS_CONNECTION_STRING), each test under its own random key prefix.
/// Two service providers stand for two replicas: each has its own connection and its own in-memory fallback.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RedisRateLimitStoreTests : IAsyncLifetime
{
    private readonly string _prefix = "test:" + Guid.NewGuid().ToString("N")[..12] + ":msil:rl:";
    private readonly List<ServiceProvider> _providers = [];
    private ConnectionMultiplexer? _redis;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string ConnectionString => TestServices.Require("REDIS_CONNECTION_STRING");

    public async ValueTask InitializeAsync() => _redis = await ConnectionMultiplexer.ConnectAsync(ConnectionString);

    public async ValueTask DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }

        if (_redis is not null)
        {
            var server = _redis.GetServer(_redis.GetEndPoints()[0]);
            var db = _redis.GetDatabase();
            await foreach (var key in server.KeysAsync(pattern: _prefix + "*"))
            {
                await db.KeyDeleteAsync(key);
            }

            await _redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task TryAcquire_TwoReplicas_ShareOneBucket()
    {
        var a = Replica().GetRequiredService<IRateLimitStore>();
        var b = Replica().GetRequiredService<IRateLimitStore>();
        var rule = new RateLimitRule { PermitsPerMinute = 1, Burst = 3 };
        var key = _prefix + "bob:look";

        Assert.IsType<RedisRateLimitStore>(a);
        Assert.True((await a.TryAcquireAsync(key, rule, Ct)).Acquired);
        Assert.True((await b.TryAcquireAsync(key, rule, Ct)).Acquired);
        Assert.True((await a.TryAcquireAsync(key, rule, Ct)).Acquired);
        var refusedA = await a.TryAcquireAsync(key, rule, Ct);
        var refusedB = await b.TryAcquireAsync(key, rule, Ct);

        Assert.False(refusedA.Acquired);
        Assert.False(refusedB.Acquired);
        Assert.InRange(refusedB.RetryAfter, TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task TryAcquire_ConcurrentCallsThroughTwoReplicas_NeverMoreThanTheBurst()
    {
        var a = Replica().GetRequiredService<IRateLimitStore>();
        var b = Replica().GetRequiredService<IRateLimitStore>();
        var rule = new RateLimitRule { PermitsPerMinute = 1, Burst = 10 };
        var key = _prefix + "carol:look";

        var leases = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => (i % 2 == 0 ? a : b).TryAcquireAsync(key, rule, Ct).AsTask()));

        Assert.Equal(10, leases.Count(l => l.Acquired));
    }

    [Fact]
    public async Task TryAcquire_HostClockAdvances_BucketRefills()
    {
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var a = Replica(time, o => o.RedisClock = RateLimitClock.Host).GetRequiredService<IRateLimitStore>();
        var b = Replica(time, o => o.RedisClock = RateLimitClock.Host).GetRequiredService<IRateLimitStore>();
        var rule = new RateLimitRule { PermitsPerMinute = 60, Burst = 2 };
        var key = _prefix + "bob:change";

        Assert.True((await a.TryAcquireAsync(key, rule, Ct)).Acquired);
        Assert.True((await b.TryAcquireAsync(key, rule, Ct)).Acquired);
        var refused = await a.TryAcquireAsync(key, rule, Ct);
        Assert.False(refused.Acquired);
        Assert.InRange(refused.RetryAfter, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(1));

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True((await b.TryAcquireAsync(key, rule, Ct)).Acquired);
        Assert.False((await a.TryAcquireAsync(key, rule, Ct)).Acquired);

        time.Advance(TimeSpan.FromMinutes(5));
        Assert.True((await a.TryAcquireAsync(key, rule, Ct)).Acquired);
        Assert.True((await a.TryAcquireAsync(key, rule, Ct)).Acquired);
        Assert.False((await a.TryAcquireAsync(key, rule, Ct)).Acquired);
    }

    [Fact]
    public async Task TryAcquire_Bucket_HasATtlOfTheTimeToRefillCompletely()
    {
        var store = Replica().GetRequiredService<IRateLimitStore>();
        var key = _prefix + "bob:ttl";

        await store.TryAcquireAsync(key, new RateLimitRule { PermitsPerMinute = 60, Burst = 10 }, Ct);

        var ttl = await _redis!.GetDatabase().KeyTimeToLiveAsync(key);
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(11));
        var fields = await _redis.GetDatabase().HashGetAllAsync(key);
        Assert.Equal(["s", "t"], fields.Select(f => f.Name.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task CheckAsync_PerToolAndPerUserBuckets_AreKeptApartAndShared()
    {
        RateLimitStage Stage() => Replica(configure: o =>
        {
            o.PerUser.PermitsPerMinute = 1;
            o.PerUser.Burst = 3;
            o.Read.PermitsPerMinute = 1;
            o.Read.Burst = 2;
        }).GetRequiredService<RateLimitStage>();
        var one = Stage();
        var two = Stage();
        var bob = new CallerIdentity { UserId = "bob", Subject = "bob" };
        var alice = new CallerIdentity { UserId = "alice", Subject = "alice" };
        var a = Tools.Define("a", RiskLevel.Read);
        var b = Tools.Define("b", RiskLevel.Read);

        var compiledA = CompiledTool.Compile(a);
        var compiledB = CompiledTool.Compile(b);

        // The pipeline's order: the caller's bucket, then the caller-and-tool bucket.
        await one.CheckCallerAsync(bob, "a", Ct);
        await one.CheckToolAsync(bob, compiledA, Ct);
        await two.CheckCallerAsync(bob, "a", Ct);
        await two.CheckToolAsync(bob, compiledA, Ct);
        await one.CheckCallerAsync(bob, "a", Ct);
        var perTool = await Assert.ThrowsAsync<RateLimitExceededException>(() => one.CheckToolAsync(bob, compiledA, Ct).AsTask());
        await two.CheckToolAsync(bob, compiledB, Ct);
        var perUser = await Assert.ThrowsAsync<RateLimitExceededException>(() => one.CheckCallerAsync(bob, "b", Ct).AsTask());
        await two.CheckCallerAsync(alice, "a", Ct);
        await two.CheckToolAsync(alice, compiledA, Ct);

        Assert.Contains("for read tools", perTool.Message, StringComparison.Ordinal);
        Assert.Contains("Retry in", perTool.Message, StringComparison.Ordinal);
        Assert.Contains("per user", perUser.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("read tools", perUser.Message, StringComparison.Ordinal);
        var db = _redis!.GetDatabase();
        // Buckets are keyed by the principal (issuer and subject), never by the user name another issuer may share.
        Assert.True(await db.KeyExistsAsync(_prefix + bob.PrincipalKey + ":a"));
        Assert.True(await db.KeyExistsAsync(_prefix + bob.PrincipalKey + ":b"));
        Assert.True(await db.KeyExistsAsync(_prefix + bob.PrincipalKey));
        Assert.True(await db.KeyExistsAsync(_prefix + alice.PrincipalKey));
        Assert.False(await db.KeyExistsAsync(_prefix + "bob"));
    }

    [Fact]
    public async Task EvaluateAsync_ScriptUnknownToTheServer_FallsBackToEvalThenEvalShaWorks()
    {
        var script = RedisRateLimitStore.Script + "\n-- " + Guid.NewGuid().ToString("N");
#pragma warning disable CA5350 // Redis names scripts by SHA-1.
        var sha = SHA1.HashData(Encoding.UTF8.GetBytes(script));
#pragma warning restore CA5350
        var db = _redis!.GetDatabase();
        RedisValue[] args = ["0.001", 5, string.Empty, 10_000];
        var key = _prefix + "noscript";

        Assert.False(await Server().ScriptExistsAsync(sha));
        var first = (RedisResult[])(await RedisRateLimitStore.EvaluateAsync(db, script, sha, key, args))!;
        Assert.True(await Server().ScriptExistsAsync(sha));
        var second = (RedisResult[])(await db.ScriptEvaluateAsync(sha, [key], args))!;

        Assert.Equal(1, (long)first[0]);
        Assert.Equal(1, (long)second[0]);
    }

    [Fact]
    public async Task TryAcquire_RedisUnreachable_FallsBackToMemoryWarnsOnceCountsAndReportsDegraded()
    {
        var provider = Replica(connectionString: $"127.0.0.1:{TestServices.ClosedPort()},connectTimeout=1000");
        var store = provider.GetRequiredService<IRateLimitStore>();
        using var metric = new MetricCollector<long>(provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), MsilMcpTelemetry.CoreName, "msil.mcp.ratelimit.store.unavailable");
        var rule = new RateLimitRule { PermitsPerMinute = 1, Burst = 2 };

        var leases = new List<RateLimitLease>();
        for (var i = 0; i < 3; i++)
        {
            leases.Add(await store.TryAcquireAsync(_prefix + "bob:look", rule, Ct));
        }

        Assert.Equal([true, true, false], leases.Select(l => l.Acquired));
        var warnings = provider.GetFakeLogCollector().GetSnapshot().Where(r => r.Id.Id == 140).ToList();
        var warning = Assert.Single(warnings);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Equal(3, metric.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.All(metric.GetMeasurementSnapshot(), m => Assert.Equal("memory", m.Tags["msil.ratelimit.fallback"]));
        var health = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(c => c.Name == RateLimitStoreHealthCheck.Name, Ct);
        Assert.Equal(HealthStatus.Degraded, health.Entries[RateLimitStoreHealthCheck.Name].Status);
        Assert.Contains("per replica", health.Entries[RateLimitStoreHealthCheck.Name].Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TryAcquire_RedisUnreachableAndRefuseConfigured_CallIsRefused()
    {
        var provider = Replica(connectionString: $"127.0.0.1:{TestServices.ClosedPort()},connectTimeout=1000", configure: o => o.WhenRedisUnavailable = RateLimitUnavailableMode.Refuse);
        var store = provider.GetRequiredService<IRateLimitStore>();

        var ex = await Assert.ThrowsAsync<McpException>(() => store.TryAcquireAsync(_prefix + "bob:look", new RateLimitRule { PermitsPerMinute = 1, Burst = 2 }, Ct).AsTask());

        Assert.Contains("rate-limit store cannot be reached", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_RedisAnswers_Healthy()
    {
        var provider = Replica();

        var health = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(c => c.Name == RateLimitStoreHealthCheck.Name, Ct);

        Assert.Equal(HealthStatus.Healthy, health.Entries[RateLimitStoreHealthCheck.Name].Status);
    }

    [Theory]
    [InlineData(null, "no Redis connection is configured")]
    [InlineData("", "no Redis connection is configured")]
    [InlineData(",,", "names no server")]
    public void Options_RedisStoreWithoutAServer_FailsAtStartNamingTheKey(string? connectionString, string expected)
    {
        var result = new RateLimitOptionsValidator().Validate(null, new RateLimitOptions { Store = RateLimitStoreKind.Redis, RedisConnectionString = connectionString });

        Assert.True(result.Failed);
        Assert.Contains("Msil:Mcp:RateLimit:", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    private IServer Server() => _redis!.GetServer(_redis.GetEndPoints()[0]);

    private ServiceProvider Replica(TimeProvider? time = null, Action<RateLimitOptions>? configure = null, string? connectionString = null)
    {
        var services = new ServiceCollection();
        services.AddFakeLogging();
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddMsilMcp();
        services.Configure<RateLimitOptions>(o =>
        {
            o.Store = RateLimitStoreKind.Redis;
            o.RedisConnectionString = connectionString ?? ConnectionString;
            o.KeyPrefix = _prefix;
            configure?.Invoke(o);
        });
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        return provider;
    }
}
