using Microsoft.Extensions.Time.Testing;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Elevation.Tests.Support;

namespace Msil.Mcp.Elevation.Tests;

/// <summary>The embedded store: replace, revoke, expiry and atomic consumption.</summary>
public sealed class InMemoryElevationGrantStoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ElevationGrant Grant(FakeTimeProvider time, TimeSpan lifetime, bool singleUse = false, string? hash = null, string reference = "PIM-1") => new()
    {
        UserId = "carol",
        PrincipalKey = "carol",
        Scope = "wipe",
        GrantedAt = time.GetUtcNow(),
        ExpiresAt = time.GetUtcNow() + lifetime,
        ApprovalReference = reference,
        SingleUse = singleUse,
        ArgumentsHash = hash,
    };

    [Fact]
    public async Task SaveAsync_SameUserAndScope_ReplacesTheGrant()
    {
        var time = new FakeTimeProvider(GateFixture.Start);
        var store = new InMemoryElevationGrantStore(time);

        await store.SaveAsync(Grant(time, TimeSpan.FromMinutes(5), reference: "PIM-1"), Ct);
        await store.SaveAsync(Grant(time, TimeSpan.FromMinutes(5), reference: "PIM-2"), Ct);

        Assert.Equal("PIM-2", (await store.GetAsync("carol", "wipe", Ct))!.ApprovalReference);
    }

    [Fact]
    public async Task GetAsync_AfterExpiry_NullAndDropped()
    {
        var time = new FakeTimeProvider(GateFixture.Start);
        var store = new InMemoryElevationGrantStore(time);
        await store.SaveAsync(Grant(time, TimeSpan.FromMinutes(5)), Ct);

        time.Advance(TimeSpan.FromMinutes(5));

        Assert.Null(await store.GetAsync("carol", "wipe", Ct));
        Assert.False(await store.RevokeAsync("carol", "wipe", Ct));
    }

    [Fact]
    public async Task RevokeAsync_Existing_RemovesIt()
    {
        var time = new FakeTimeProvider(GateFixture.Start);
        var store = new InMemoryElevationGrantStore(time);
        await store.SaveAsync(Grant(time, TimeSpan.FromMinutes(5)), Ct);

        Assert.True(await store.RevokeAsync("carol", "wipe", Ct));
        Assert.Null(await store.GetAsync("carol", "wipe", Ct));
    }

    [Fact]
    public async Task ConsumeAsync_Expired_ReturnsNull()
    {
        var time = new FakeTimeProvider(GateFixture.Start);
        var store = new InMemoryElevationGrantStore(time);
        await store.SaveAsync(Grant(time, TimeSpan.FromMinutes(5), singleUse: true), Ct);
        time.Advance(TimeSpan.FromMinutes(6));

        Assert.Null(await store.ConsumeAsync("carol", "wipe", Ct));
    }

    [Fact]
    public async Task TryConsumeAsync_Outcomes_MatchTheGrant()
    {
        var time = new FakeTimeProvider(GateFixture.Start);
        var store = new InMemoryElevationGrantStore(time);
        var hash = new string('a', 64);

        Assert.Equal(ConsumeStatus.NotFound, (await store.TryConsumeAsync("carol", "wipe", hash, Ct)).Status);
        await store.SaveAsync(Grant(time, TimeSpan.FromMinutes(5)), Ct);
        Assert.Equal(ConsumeStatus.Reusable, (await store.TryConsumeAsync("carol", "wipe", hash, Ct)).Status);
        await store.SaveAsync(Grant(time, TimeSpan.FromMinutes(5), singleUse: true, hash: new string('b', 64)), Ct);
        Assert.Equal(ConsumeStatus.ArgumentsMismatch, (await store.TryConsumeAsync("carol", "wipe", hash, Ct)).Status);
        Assert.NotNull(await store.GetAsync("carol", "wipe", Ct));
        await store.SaveAsync(Grant(time, TimeSpan.FromMinutes(5), singleUse: true, hash: hash.ToUpperInvariant()), Ct);
        Assert.Equal(ConsumeStatus.Consumed, (await store.TryConsumeAsync("carol", "wipe", hash, Ct)).Status);
        Assert.Null(await store.GetAsync("carol", "wipe", Ct));
    }

    [Fact]
    public async Task TryConsumeAsync_TwentyConcurrent_ExactlyOneConsumes()
    {
        var time = new FakeTimeProvider(GateFixture.Start);
        var store = new InMemoryElevationGrantStore(time);
        await store.SaveAsync(Grant(time, TimeSpan.FromMinutes(5), singleUse: true), Ct);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var consumers = Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            return await store.TryConsumeAsync("carol", "wipe", new string('a', 64), Ct);
        })).ToArray();
        start.SetResult();
        var results = await Task.WhenAll(consumers);

        Assert.Single(results, r => r.Status == ConsumeStatus.Consumed);
        Assert.Equal(19, results.Count(r => r.Status == ConsumeStatus.NotFound));
    }
}
