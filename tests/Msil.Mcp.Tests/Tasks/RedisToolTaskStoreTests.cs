using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Msil.Mcp.Tasks;
using Msil.Mcp.Tests.Infrastructure;
using StackExchange.Redis;

namespace Msil.Mcp.Tests.Tasks;

/// <summary>The shared task store on a real Redis (REDIS_CONNECTION_STRING), each test under its own random key prefix.</summary>
[Trait("Category", "Integration")]
public sealed class RedisToolTaskStoreTests : IAsyncLifetime
{
    private readonly string _prefix = "test:" + Guid.NewGuid().ToString("N")[..12] + ":msil:task:";
    private readonly EphemeralDataProtectionProvider _keys = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 7, 28, 0, 0, 0, TimeSpan.Zero));
    private readonly List<RedisToolTaskStore> _stores = [];
    private readonly List<ServiceProvider> _providers = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string ConnectionString => TestServices.Require("REDIS_CONNECTION_STRING");

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        var server = connection.GetServers()[0];
        var db = connection.GetDatabase();
        await foreach (var key in server.KeysAsync(pattern: _prefix + "*"))
        {
            await db.KeyDeleteAsync(key);
        }

        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }
    }

    /// <summary>A store as one replica sees it.</summary>
    private RedisToolTaskStore Replica()
    {
        // Each replica has its own container, so its own connection (the store's keyed override).
        var options = Options.Create(new ToolTaskOptions { RedisConnectionString = ConnectionString, RedisKeyPrefix = _prefix });
        var services = new ServiceCollection().AddSingleton(options);
        RedisToolTaskStore.AddOverride(services);
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        var store = new RedisToolTaskStore(options, _keys, _time, provider);
        _stores.Add(store);
        return store;
    }

    private ToolTaskRecord Task(string id, string owner) => new()
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

    [Fact]
    public async Task GetAsync_TaskCreatedOnAnotherReplica_IsReadBackWholeAndItsResultIsNotStoredInClear()
    {
        var a = Replica();
        var b = Replica();
        var result = JsonDocument.Parse("""{"content":[{"type":"text","text":"secret-business-value-42"}]}""").RootElement.Clone();
        Assert.True(await a.TryCreateAsync(Task("t1", "bob"), 32, Ct));
        await a.UpdateAsync("t1", r => r with { Status = ToolTaskStatus.Completed, Result = result }, Ct);

        var read = await b.GetAsync("t1", Ct);

        Assert.Equal(ToolTaskStatus.Completed, read!.Status);
        Assert.Equal("secret-business-value-42", read.Result!.Value.GetProperty("content")[0].GetProperty("text").GetString());
        using var connection = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        var raw = (byte[])(await connection.GetDatabase().StringGetAsync(_prefix + "t1"))!;
        Assert.DoesNotContain("secret-business-value-42", Encoding.UTF8.GetString(raw), StringComparison.Ordinal);
        var ttl = await connection.GetDatabase().KeyTimeToLiveAsync(_prefix + "t1");
        Assert.InRange(ttl!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task UpdateAsync_ConcurrentChangesFromTwoReplicas_AreAllApplied()
    {
        var a = Replica();
        var b = Replica();
        await a.TryCreateAsync(Task("t1", "bob"), 32, Ct);

        await Parallel.ForAsync(0, 20, Ct, async (i, ct) =>
        {
            var store = i % 2 == 0 ? a : b;
            await store.UpdateAsync("t1", r => r with { StatusMessage = (r.StatusMessage ?? string.Empty) + "x" }, ct);
        });

        Assert.Equal(20, (await a.GetAsync("t1", Ct))!.StatusMessage!.Length);
    }

    [Fact]
    public async Task TryCreateAsync_OwnerAtTheBound_IsRefusedAcrossReplicas()
    {
        var a = Replica();
        var b = Replica();
        Assert.True(await a.TryCreateAsync(Task("t1", "bob"), 1, Ct));

        Assert.False(await b.TryCreateAsync(Task("t2", "bob"), 1, Ct));
        Assert.True(await b.TryCreateAsync(Task("t3", "alice"), 1, Ct));
        await a.UpdateAsync("t1", r => r with { Status = ToolTaskStatus.Cancelled }, Ct);
        Assert.True(await b.TryCreateAsync(Task("t2", "bob"), 1, Ct));
    }

    [Fact]
    public async Task GetAsync_AfterTheTaskExpiresByTheClock_ReturnsNull()
    {
        var a = Replica();
        await a.TryCreateAsync(Task("t1", "bob"), 32, Ct);

        _time.Advance(TimeSpan.FromMilliseconds(59_999));
        Assert.NotNull(await a.GetAsync("t1", Ct));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(await a.GetAsync("t1", Ct));
    }

    [Fact]
    public async Task TwoHostsSharingRedis_TaskCreatedOnOne_IsReadAndCancelledThroughTheOther()
    {
        var audit = new Hosting.RecordingAudit(new Hosting.StageLog());
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var executor = new Pipeline.ScriptedExecutor(async (invocation, ct) =>
        {
            await invocation.Context!.RunAsTaskAsync(ct);
            using var registration = ct.Register(cancelled.SetResult);
            await System.Threading.Tasks.Task.Delay(Timeout.Infinite, ct);
            return new Abstractions.ToolResult { Text = "never" };
        });
        void Tasks(ToolTaskOptions o)
        {
            o.RedisConnectionString = ConnectionString;
            o.RedisKeyPrefix = _prefix;
        }

        void Shared(MsilMcpOptions o)
        {
            o.KeyRingRedisConnectionString = ConnectionString;
            o.KeyRingRedisKey = _prefix + "keys";
        }

        await using var a = await ToolTaskTests.StartAsync(executor, audit, tasks: Tasks, options: Shared);
        await using var b = await ToolTaskTests.StartAsync(executor, audit, tasks: Tasks, options: Shared);
        using var http = new HttpClient();
        var taskId = (string)ToolTaskTests.Result(await ToolTaskTests.CallAsync(http, a, "job", "bob"))["taskId"]!;

        var seenOnB = ToolTaskTests.Result(await ToolTaskTests.SendAsync(http, b, "tasks/get", new System.Text.Json.Nodes.JsonObject { ["taskId"] = taskId }, "bob", taskId));
        await ToolTaskTests.SendAsync(http, b, "tasks/cancel", new System.Text.Json.Nodes.JsonObject { ["taskId"] = taskId }, "bob", taskId);
        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var done = await ToolTaskTests.WaitTerminalAsync(http, b, taskId, "bob");

        Assert.Equal("working", (string?)seenOnB["status"]);
        Assert.Equal("cancelled", (string?)done["status"]);
    }

    [Fact]
    public async Task SignalAsync_FromOneReplica_ReachesTheOwnerReplica()
    {
        var owner = Replica();
        var other = Replica();
        var received = new TaskCompletionSource<(string, ToolTaskSignal)>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = owner.Subscribe((id, signal) => received.TrySetResult((id, signal)));
        await owner.TryCreateAsync(Task("t1", "bob"), 32, Ct); // connects and subscribes

        await other.SignalAsync("t1", ToolTaskSignal.Cancel, Ct);

        Assert.Equal(("t1", ToolTaskSignal.Cancel), await received.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct));
    }

    [Fact]
    public async Task DisposeAsync_AfterTheContainerDisposedTheSharedConnection_DoesNotThrow()
    {
        // A host disposes its singletons in whatever order: the keyed connection can go before the store, whose
        // dispose then unsubscribes on a disposed connection. A clean-clone CI run failed there once with
        // ObjectDisposedException; whether the client throws depends on its own timing, so this order does not always
        // reproduce it, but it is the order, and the dispose must not throw in it.
        var store = Replica();
        await store.TryCreateAsync(Task("t1", "bob"), 32, Ct); // connects and subscribes
        var provider = _providers[^1];
        await provider.DisposeAsync();

        var failure = await Record.ExceptionAsync(() => store.DisposeAsync().AsTask());

        Assert.Null(failure);
    }
}
