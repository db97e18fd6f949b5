using System.Text.Json;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Elevation.Redis;
using Msil.Mcp.Elevation.Tests.Support;
using StackExchange.Redis;

namespace Msil.Mcp.Elevation.Tests.Redis;

/// <summary>The Redis store against a real Redis (REDIS_CONNECTION_STRING): layout, TTL, sharing, atomic consumption.</summary>
[Trait("Category", "Integration")]
public sealed class RedisElevationGrantStoreTests : IAsyncLifetime
{
    private const string Carol = "carol@example.test";

    /// <summary>Carol's principal key, as the gate fixture's caller has it: grants are stored under it.</summary>
    private static readonly string CarolKey = GateFixture.Caller(Carol).PrincipalKey;

    private readonly string _prefix = SharedRedis.UniquePrefix();
    private ConnectionMultiplexer? _raw;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IDatabase Raw => _raw!.GetDatabase();

    public async ValueTask InitializeAsync() => _raw = await ConnectionMultiplexer.ConnectAsync(SharedRedis.ConnectionString);

    public async ValueTask DisposeAsync()
    {
        if (_raw is not null)
        {
            foreach (var endpoint in _raw.GetEndPoints())
            {
                await foreach (var key in _raw.GetServer(endpoint).KeysAsync(pattern: _prefix + "*"))
                {
                    await Raw.KeyDeleteAsync(key);
                }
            }

            await _raw.DisposeAsync();
        }
    }

    private GateFixture NewFixture(Action<ElevationOptions>? configure = null, string? connectionString = null) => new(o =>
    {
        o.Store = ElevationGrantStoreKind.Redis;
        o.RedisConnectionString = connectionString ?? SharedRedis.ConnectionString;
        o.RedisKeyPrefix = _prefix;
        configure?.Invoke(o);
    });

    [Fact]
    public async Task SaveAsync_Grant_SeedKeyJsonValueAndTtlOfRemainingLifetime()
    {
        using var f = NewFixture();
        Assert.IsType<RedisElevationGrantStore>(f.Store);

        await f.SaveAsync(lifetime: TimeSpan.FromMinutes(10));

        var key = _prefix + CarolKey + ":" + TestTools.Privileged;
        var ttl = await Raw.KeyTimeToLiveAsync(key);
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10));
        using var value = JsonDocument.Parse((string)(await Raw.StringGetAsync(key))!);
        Assert.Equal("2026-01-31T10:00:00Z", value.RootElement.GetProperty("granted_at").GetString());
        Assert.Equal("2026-01-31T10:10:00Z", value.RootElement.GetProperty("expires_at").GetString());
        Assert.Equal(TestTools.Privileged, value.RootElement.GetProperty("scope").GetString());
        Assert.Equal("PIM-2026-000042", value.RootElement.GetProperty("approval_reference").GetString());
        Assert.Equal(Carol, value.RootElement.GetProperty("user_id").GetString());
        Assert.False(value.RootElement.GetProperty("single_use").GetBoolean());
    }

    [Fact]
    public async Task SaveAsync_DefaultPrefix_IsTheSeedsElevationColon()
    {
        using var f = new GateFixture(o =>
        {
            o.Store = ElevationGrantStoreKind.Redis;
            o.RedisConnectionString = SharedRedis.ConnectionString;
        });
        var user = _prefix + "user";

        await f.SaveAsync(user: user, lifetime: TimeSpan.FromMinutes(1));

        var key = "elevation:" + GateFixture.Caller(user).PrincipalKey + ":" + TestTools.Privileged;
        try
        {
            Assert.True(await Raw.KeyExistsAsync(key));
        }
        finally
        {
            await Raw.KeyDeleteAsync(key);
        }
    }

    [Fact]
    public async Task SaveAsync_LifetimeBeyondMaximum_TtlCappedAtMaximum()
    {
        using var f = NewFixture(o =>
        {
            o.MaxGrantLifetime = TimeSpan.FromMinutes(30);
            o.DefaultGrantLifetime = TimeSpan.FromMinutes(30);
        });

        await f.SaveAsync(lifetime: TimeSpan.FromHours(2));

        var ttl = await Raw.KeyTimeToLiveAsync(_prefix + CarolKey + ":" + TestTools.Privileged);
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(29), TimeSpan.FromMinutes(30));
    }

    [Fact]
    public async Task SaveAsync_ExpiredGrant_RemovesTheKey()
    {
        using var f = NewFixture();
        await f.SaveAsync(lifetime: TimeSpan.FromMinutes(10));

        await f.SaveAsync(lifetime: TimeSpan.FromMinutes(-1));

        Assert.False(await Raw.KeyExistsAsync(_prefix + CarolKey + ":" + TestTools.Privileged));
    }

    [Fact]
    public async Task GetAsync_AfterTtl_RedisHasDroppedTheGrant()
    {
        var prefix = _prefix;
        using var real = new RealClockStore(prefix);
        await real.Store.SaveAsync(new ElevationGrant
        {
            UserId = Carol,
            PrincipalKey = CarolKey,
            Scope = TestTools.Privileged,
            GrantedAt = TimeProvider.System.GetUtcNow(),
            ExpiresAt = TimeProvider.System.GetUtcNow().AddMilliseconds(800),
            ApprovalReference = "PIM-SHORT",
        }, Ct);

        var before = await real.Store.GetAsync(CarolKey, TestTools.Privileged, Ct);
        await Task.Delay(1200, Ct);
        var after = await real.Store.GetAsync(CarolKey, TestTools.Privileged, Ct);

        Assert.Equal("PIM-SHORT", before!.ApprovalReference);
        Assert.Null(after);
        Assert.False(await Raw.KeyExistsAsync(prefix + CarolKey + ":" + TestTools.Privileged));
    }

    [Fact]
    public async Task GetAsync_SeedShapedValueWrittenByAnotherSystem_HonouredByTheGate()
    {
        using var f = NewFixture();
        await Raw.StringSetAsync(_prefix + CarolKey + ":" + TestTools.Privileged,
            """{"granted_at":"2026-01-31T10:00:00Z","expires_at":"2026-01-31T11:00:00Z","scope":"delete_customer_data","approval_reference":"PIM-2026-001234"}""",
            TimeSpan.FromMinutes(5));

        var check = await f.CheckAsync();

        Assert.Equal(ElevationOutcome.Granted, check.Outcome);
        Assert.Equal("PIM-2026-001234", check.Grant!.ApprovalReference);
    }

    [Fact]
    public async Task Stores_TwoInstances_SeeTheSameGrantsAndRevocations()
    {
        using var a = NewFixture();
        using var b = NewFixture();

        await a.SaveAsync(lifetime: TimeSpan.FromMinutes(10), reference: "PIM-SHARED");
        var seenByB = await b.CheckAsync();
        Assert.True(await b.Store.RevokeAsync(CarolKey, TestTools.Privileged, Ct));
        var afterRevoke = await a.CheckAsync();

        Assert.Equal(ElevationOutcome.Granted, seenByB.Outcome);
        Assert.Equal("PIM-SHARED", seenByB.Grant!.ApprovalReference);
        Assert.Equal(ElevationOutcome.Required, afterRevoke.Outcome);
    }

    [Fact]
    public async Task CheckAsync_SingleUseRacedByTwentyCallsOnTwoInstances_ExactlyOneGranted()
    {
        using var a = NewFixture();
        using var b = NewFixture();
        await a.SaveAsync(singleUse: true, argumentsHash: ElevationArguments.Hash(TestTools.Args("""{"id":"C042"}""")));
        await a.CheckAsync(TestTools.OtherPrivileged);
        await b.CheckAsync(TestTools.OtherPrivileged);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var calls = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            await start.Task;
            return await (i % 2 == 0 ? a : b).CheckAsync(correlationId: "race-" + i);
        })).ToArray();
        start.SetResult();
        var results = await Task.WhenAll(calls);

        Assert.Equal(1, results.Count(r => r.Outcome == ElevationOutcome.Granted));
        Assert.Equal(19, results.Count(r => r.Outcome == ElevationOutcome.Required));
        Assert.Equal(1, a.EventCount(ElevationEvents.Use) + b.EventCount(ElevationEvents.Use));
        Assert.False(await Raw.KeyExistsAsync(_prefix + CarolKey + ":" + TestTools.Privileged));
    }

    [Fact]
    public async Task TryConsumeAsync_TwentyConcurrentConsumers_ExactlyOneConsumes()
    {
        using var f = NewFixture();
        await f.SaveAsync(singleUse: true);
        var store = (RedisElevationGrantStore)f.Store;
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var consumers = Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            return await store.TryConsumeAsync(CarolKey, TestTools.Privileged, new string('a', 64), Ct);
        })).ToArray();
        start.SetResult();
        var results = await Task.WhenAll(consumers);

        Assert.Single(results, r => r.Status == ConsumeStatus.Consumed);
        Assert.Equal(19, results.Count(r => r.Status == ConsumeStatus.NotFound));
    }

    [Fact]
    public async Task TryConsumeAsync_BoundToOtherArguments_LeftInRedis()
    {
        using var f = NewFixture();
        await f.SaveAsync(singleUse: true, argumentsHash: new string('B', 64));
        var store = (RedisElevationGrantStore)f.Store;

        var mismatch = await store.TryConsumeAsync(CarolKey, TestTools.Privileged, new string('a', 64), Ct);
        var match = await store.TryConsumeAsync(CarolKey, TestTools.Privileged, new string('b', 64), Ct);

        Assert.Equal(ConsumeStatus.ArgumentsMismatch, mismatch.Status);
        Assert.Equal(ConsumeStatus.Consumed, match.Status);
        Assert.False(await Raw.KeyExistsAsync(_prefix + CarolKey + ":" + TestTools.Privileged));
    }

    [Fact]
    public async Task TryConsumeAsync_ReusableGrant_LeftInRedis()
    {
        using var f = NewFixture();
        await f.SaveAsync();
        var store = (RedisElevationGrantStore)f.Store;

        var result = await store.TryConsumeAsync(CarolKey, TestTools.Privileged, new string('a', 64), Ct);

        Assert.Equal(ConsumeStatus.Reusable, result.Status);
        Assert.True(await Raw.KeyExistsAsync(_prefix + CarolKey + ":" + TestTools.Privileged));
    }

    [Fact]
    public async Task CheckAsync_GrantOfTheSameUserNameFromAnotherIssuer_IsNotShared()
    {
        // Issue #17 item 8: the key was elevation:{user_id}:{scope}, shared by users of the same name from two issuers.
        using var f = NewFixture();
        var carolA = GateFixture.Caller(Carol) with { Issuer = "https://idp-a.example" };
        var carolB = GateFixture.Caller(Carol) with { Issuer = "https://idp-b.example" };
        await f.Store.SaveAsync(new ElevationGrant
        {
            UserId = Carol,
            PrincipalKey = carolA.PrincipalKey,
            Scope = TestTools.Privileged,
            GrantedAt = f.Time.GetUtcNow(),
            ExpiresAt = f.Time.GetUtcNow().AddHours(1),
            ApprovalReference = "PIM-A",
        }, Ct);

        var other = await f.Gate.CheckAsync(carolB, TestTools.Get(TestTools.Privileged), TestTools.Args("{}"), "corr-b", Ct);
        var owner = await f.Gate.CheckAsync(carolA, TestTools.Get(TestTools.Privileged), TestTools.Args("{}"), "corr-a", Ct);

        Assert.Equal(ElevationOutcome.Required, other.Outcome);
        Assert.Equal(ElevationOutcome.Granted, owner.Outcome);
        Assert.Null(await f.Store.GetAsync(carolB.PrincipalKey, TestTools.Privileged, Ct));
        Assert.True(await Raw.KeyExistsAsync(_prefix + carolA.PrincipalKey + ":" + TestTools.Privileged));
    }

    [Fact]
    public async Task ConsumeAsync_TwiceAndForAnotherUsersValue_OnceThenNull()
    {
        using var f = NewFixture();
        await f.SaveAsync(singleUse: true);
        await Raw.StringSetAsync(_prefix + "mallory:" + TestTools.Privileged, """{"principal_key":"someone-else","expires_at":"2026-01-31T11:00:00Z"}""", TimeSpan.FromMinutes(1));

        var first = await f.Store.ConsumeAsync(CarolKey, TestTools.Privileged, Ct);
        var second = await f.Store.ConsumeAsync(CarolKey, TestTools.Privileged, Ct);
        var foreign = await f.Store.ConsumeAsync("mallory", TestTools.Privileged, Ct);

        Assert.NotNull(first);
        Assert.Null(second);
        Assert.Null(foreign);
        Assert.True(await Raw.KeyExistsAsync(_prefix + "mallory:" + TestTools.Privileged));
    }

    [Fact]
    public async Task Store_HostsOwnMultiplexer_UsedAndNotDisposed()
    {
        var f = new GateFixture(o =>
        {
            o.Store = ElevationGrantStoreKind.Redis;
            o.RedisKeyPrefix = _prefix;
        }, services: s => s.AddSingleton<IConnectionMultiplexer>(_raw!));

        await f.SaveAsync(reference: "PIM-OWN");
        var check = await f.CheckAsync();
        f.Dispose();

        Assert.Equal("PIM-OWN", check.Grant!.ApprovalReference);
        Assert.True(await Raw.KeyExistsAsync(_prefix + CarolKey + ":" + TestTools.Privileged));
    }

    [Fact]
    public async Task Store_TlsConnectionWithConfiguredCa_Works()
    {
        var tls = Environment.GetEnvironmentVariable("REDIS_TLS_CONNECTION_STRING");
        var ca = Environment.GetEnvironmentVariable("REDIS_TLS_CA_FILE");
        if (string.IsNullOrEmpty(tls) || string.IsNullOrEmpty(ca))
        {
            throw new InvalidOperationException("REDIS_TLS_CONNECTION_STRING and REDIS_TLS_CA_FILE are not set: run build/test.sh, or start the test services with eval \"$(bash build/services/start.sh)\".");
        }

        using var f = NewFixture(o => o.RedisCaCertificatePath = ca, tls);

        await f.SaveAsync(reference: "PIM-TLS");

        Assert.Equal("PIM-TLS", (await f.CheckAsync()).Grant!.ApprovalReference);
    }

    [Fact]
    public async Task ListActiveAsync_SavedRevokedAndConsumed_OnlyLiveGrantsListed()
    {
        using var f = NewFixture();
        await f.SaveAsync(lifetime: TimeSpan.FromMinutes(10));
        await f.SaveAsync(scope: TestTools.OtherPrivileged, lifetime: TimeSpan.FromMinutes(10), singleUse: true);
        await f.SaveAsync(user: "dave@example.test", lifetime: TimeSpan.FromMinutes(10));
        await f.Store.RevokeAsync(GateFixture.Caller("dave@example.test").PrincipalKey, TestTools.Privileged, Ct);
        await f.Store.ConsumeAsync(CarolKey, TestTools.OtherPrivileged, Ct);

        var listed = await ((IElevationGrantListing)f.Store).ListActiveAsync(Ct);

        var grant = Assert.Single(listed);
        Assert.Equal(CarolKey, grant.PrincipalKey);
        Assert.Equal(TestTools.Privileged, grant.Scope);
        Assert.Equal(1, await Raw.SortedSetLengthAsync(_prefix + "index"));
    }

    [Fact]
    public async Task RequestStore_AddListRemove_SharedHashWithCap()
    {
        using var f = NewFixture(o => o.MaxPendingRequests = 2);
        var store = f.Services.GetRequiredService<IElevationRequestStore>();
        Assert.IsType<RedisElevationRequestStore>(store);
        var now = f.Time.GetUtcNow();
        for (var i = 0; i < 3; i++)
        {
            await store.AddAsync(new ElevationRequest("req_" + i, "iss|u" + i, "u" + i, "t", "t", now.AddSeconds(i), now.AddMinutes(10), "/approve"), Ct);
        }

        Assert.Equal(["req_2", "req_1"], (await store.ListAsync(Ct)).Select(r => r.Id));
        await store.RemoveAsync("iss|u2", "t", Ct);
        Assert.Equal(["req_1"], (await store.ListAsync(Ct)).Select(r => r.Id));
        f.Time.Advance(TimeSpan.FromMinutes(11));
        Assert.Empty(await store.ListAsync(Ct));
        Assert.Equal(0, await Raw.HashLengthAsync(_prefix + "requests"));
    }

    /// <summary>A Redis store on the real clock, for the TTL test (Redis expires keys on its own clock).</summary>
    private sealed class RealClockStore : IDisposable
    {
        private readonly ServiceProvider _services;

        public RealClockStore(string prefix)
        {
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddSingleton<IHostEnvironment>(new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { EnvironmentName = "Development" });
            services.AddMsilMcp().AddElevation(o =>
            {
                o.Store = ElevationGrantStoreKind.Redis;
                o.RedisConnectionString = SharedRedis.ConnectionString;
                o.RedisKeyPrefix = prefix;
            });
            _services = services.BuildServiceProvider();
        }

        public IElevationGrantStore Store => _services.GetRequiredService<IElevationGrantStore>();

        public void Dispose() => _services.Dispose();
    }
}
