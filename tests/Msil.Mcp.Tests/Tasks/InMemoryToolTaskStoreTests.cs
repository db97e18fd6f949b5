using Microsoft.Extensions.Time.Testing;
using Msil.Mcp.Tasks;

namespace Msil.Mcp.Tests.Tasks;

/// <summary>The embedded task store: TTL from the last change with a fake clock, the per-caller bound, signals.</summary>
public sealed class InMemoryToolTaskStoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ToolTaskRecord Task(string id, string owner, DateTimeOffset now, long ttlMs = 60_000) => new()
    {
        TaskId = id,
        OwnerKey = owner,
        ToolName = "job",
        CorrelationId = "c-" + id,
        CreatedAt = now,
        LastUpdatedAt = now,
        TtlMs = ttlMs,
        PollIntervalMs = 500,
    };

    [Fact]
    public async Task GetAsync_BeforeTtl_KeepsTheTaskAndAfterTtl_ForgetsItAndSignalsExpiryOfAnUnfinishedOne()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 7, 28, 0, 0, 0, TimeSpan.Zero));
        var store = new InMemoryToolTaskStore(time);
        var signals = new List<(string, ToolTaskSignal)>();
        using var subscription = store.Subscribe((id, signal) => signals.Add((id, signal)));
        Assert.True(await store.TryCreateAsync(Task("t1", "bob", time.GetUtcNow()), 32, Ct));

        time.Advance(TimeSpan.FromMilliseconds(59_999));
        Assert.NotNull(await store.GetAsync("t1", Ct));
        Assert.Empty(signals);

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(await store.GetAsync("t1", Ct));
        Assert.Equal([("t1", ToolTaskSignal.Expired)], signals);
    }

    [Fact]
    public async Task UpdateAsync_MovesTheExpiryToTheLastChange()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 7, 28, 0, 0, 0, TimeSpan.Zero));
        var store = new InMemoryToolTaskStore(time);
        await store.TryCreateAsync(Task("t1", "bob", time.GetUtcNow()), 32, Ct);

        time.Advance(TimeSpan.FromSeconds(50));
        var now = time.GetUtcNow();
        await store.UpdateAsync("t1", r => r with { Status = ToolTaskStatus.Completed, LastUpdatedAt = now }, Ct);
        time.Advance(TimeSpan.FromSeconds(50));

        Assert.Equal(ToolTaskStatus.Completed, (await store.GetAsync("t1", Ct))!.Status);
    }

    [Fact]
    public async Task TryCreateAsync_OwnerAtTheBound_IsRefusedUntilOneEnds()
    {
        var time = new FakeTimeProvider();
        var store = new InMemoryToolTaskStore(time);
        Assert.True(await store.TryCreateAsync(Task("t1", "bob", time.GetUtcNow()), 2, Ct));
        Assert.True(await store.TryCreateAsync(Task("t2", "bob", time.GetUtcNow()), 2, Ct));

        Assert.False(await store.TryCreateAsync(Task("t3", "bob", time.GetUtcNow()), 2, Ct));
        Assert.True(await store.TryCreateAsync(Task("a1", "alice", time.GetUtcNow()), 2, Ct));

        await store.UpdateAsync("t1", r => r with { Status = ToolTaskStatus.Cancelled }, Ct);
        Assert.Equal(1, await store.CountActiveAsync("bob", Ct));
        Assert.True(await store.TryCreateAsync(Task("t3", "bob", time.GetUtcNow()), 2, Ct));
    }

    [Fact]
    public async Task SignalAsync_ReachesEverySubscriberUntilDisposed()
    {
        var store = new InMemoryToolTaskStore(new FakeTimeProvider());
        var seen = new List<ToolTaskSignal>();
        var subscription = store.Subscribe((_, s) => seen.Add(s));

        await store.SignalAsync("t1", ToolTaskSignal.Cancel, Ct);
        subscription.Dispose();
        await store.SignalAsync("t1", ToolTaskSignal.InputReady, Ct);

        Assert.Equal([ToolTaskSignal.Cancel], seen);
    }
}
