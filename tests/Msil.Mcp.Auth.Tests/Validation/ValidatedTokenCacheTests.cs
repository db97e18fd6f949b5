using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Msil.Mcp.Auth.Validation;

namespace Msil.Mcp.Auth.Tests.Validation;

public sealed class ValidatedTokenCacheTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero));

    private ValidatedTokenCache Create(int size = 100)
        => new(new StaticMonitor(new MsilAuthOptions { ValidatedTokenCacheSize = size }), _time);

    [Fact]
    public void TryGet_BeforeTokenExpiry_ReturnsCopyOfIdentity()
    {
        var cache = Create();
        var identity = new ClaimsIdentity([new Claim("sub", "a")], "test");
        cache.Add("token-a", identity, _time.GetUtcNow().AddMinutes(2));

        Assert.True(cache.TryGet("token-a", out var hit));
        Assert.NotSame(identity, hit);
        Assert.Equal("a", hit!.FindFirst("sub")!.Value);
        Assert.False(cache.TryGet("token-b", out _));
    }

    [Fact]
    public void TryGet_AfterTokenExpiry_Misses()
    {
        var cache = Create();
        cache.Add("token-a", new ClaimsIdentity("test"), _time.GetUtcNow().AddSeconds(30));

        _time.Advance(TimeSpan.FromSeconds(31));

        Assert.False(cache.TryGet("token-a", out _));
    }

    [Fact]
    public void TryGet_LongLivedToken_HeldAtMostFiveMinutes()
    {
        var cache = Create();
        cache.Add("token-a", new ClaimsIdentity("test"), _time.GetUtcNow().AddHours(10));

        _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

        Assert.False(cache.TryGet("token-a", out _));
    }

    [Fact]
    public void Add_SizeZero_CachesNothing()
    {
        var cache = Create(size: 0);
        cache.Add("token-a", new ClaimsIdentity("test"), _time.GetUtcNow().AddMinutes(2));

        Assert.False(cache.TryGet("token-a", out _));
    }

    [Fact]
    public void Add_FloodOfDistinctTokens_StaysBounded()
    {
        var cache = Create(size: 10);
        for (var i = 0; i < 1000; i++)
        {
            cache.Add("token-" + i, new ClaimsIdentity("test"), _time.GetUtcNow().AddMinutes(2));
        }

        var hits = Enumerable.Range(0, 1000).Count(i => cache.TryGet("token-" + i, out _));
        Assert.InRange(hits, 1, 10);
    }

    [Fact]
    public void TryGet_Shared_ReturnsSameReadOnlyIdentityForEveryHit()
    {
        var cache = Create();
        cache.Add("token-a", new ClaimsIdentity([new Claim("sub", "a")], "test"), _time.GetUtcNow().AddMinutes(2));

        Assert.True(cache.TryGet("token-a", out var first, shared: true));
        Assert.True(cache.TryGet("token-a", out var second, shared: true));

        Assert.Same(first, second);
        Assert.True(first!.IsAuthenticated);
        Assert.Equal("a", first.FindFirst("sub")!.Value);
        Assert.Throws<InvalidOperationException>(() => first.AddClaim(new Claim("role", "admin")));
        Assert.Throws<InvalidOperationException>(() => first.AddClaims([new Claim("role", "admin")]));
        Assert.Throws<InvalidOperationException>(() => first.RemoveClaim(first.FindFirst("sub")));
        Assert.Throws<InvalidOperationException>(() => first.TryRemoveClaim(first.FindFirst("sub")));
        Assert.Single(second!.Claims);
    }

    [Fact]
    public void TryGet_SharedIdentityCloned_CopyCanChangeWithoutTouchingTheCache()
    {
        var cache = Create();
        cache.Add("token-a", new ClaimsIdentity([new Claim("sub", "a")], "test"), _time.GetUtcNow().AddMinutes(2));
        Assert.True(cache.TryGet("token-a", out var shared, shared: true));

        var copy = shared!.Clone();
        copy.AddClaim(new Claim("role", "admin"));

        Assert.True(cache.TryGet("token-a", out var again, shared: true));
        Assert.Null(again!.FindFirst("role"));
        Assert.True(cache.TryGet("token-a", out var unshared));
        unshared!.AddClaim(new Claim("role", "admin"));
        Assert.Null(again.FindFirst("role"));
    }

    [Fact]
    public void TryGet_SameHeaderString_HitsWhileTheEntryLivesAndMissesOnceItExpired()
    {
        var cache = Create();
        const string header = "Bearer token-a";
        cache.Add("token-a", new ClaimsIdentity([new Claim("sub", "a")], "test"), _time.GetUtcNow().AddSeconds(30));

        Assert.True(cache.TryGet(header, header.AsSpan(7), out var first, shared: true));
        Assert.True(cache.TryGet(header, header.AsSpan(7), out var second, shared: true));
        Assert.Same(first, second);

        // The header's remembered key does not outlive the entry: the expiry is checked on every lookup.
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.False(cache.TryGet(header, header.AsSpan(7), out _, shared: true));
    }

    [Fact]
    public void TryGet_HeaderOfAnotherToken_Misses()
    {
        var cache = Create();
        cache.Add("token-a", new ClaimsIdentity([new Claim("sub", "a")], "test"), _time.GetUtcNow().AddMinutes(2));
        var a = "Bearer token-a";
        var b = "Bearer token-b";

        Assert.True(cache.TryGet(a, a.AsSpan(7), out _));
        Assert.False(cache.TryGet(b, b.AsSpan(7), out _));
        Assert.False(cache.TryGet(b, b.AsSpan(7), out _));
    }

    [Fact]
    public void TryGet_HeaderAfterTheEntryWasDropped_MissesUntilTheTokenIsValidatedAgain()
    {
        var cache = Create(size: 1);
        const string header = "Bearer token-a";
        cache.Add("token-a", new ClaimsIdentity([new Claim("sub", "a")], "test"), _time.GetUtcNow().AddMinutes(2));
        Assert.True(cache.TryGet(header, header.AsSpan(7), out var before, shared: true));

        cache.Add("token-b", new ClaimsIdentity([new Claim("sub", "b")], "test"), _time.GetUtcNow().AddMinutes(2)); // full: starts over

        Assert.False(cache.TryGet(header, header.AsSpan(7), out _, shared: true));
        cache.Add("token-a", new ClaimsIdentity([new Claim("sub", "a")], "test"), _time.GetUtcNow().AddMinutes(2));
        Assert.True(cache.TryGet(header, header.AsSpan(7), out var after, shared: true));
        Assert.NotSame(before, after);
    }

    [Fact]
    public void TryGet_Shared_IdentityKeepsTheResolvedCallerOnlyForItsOwnEntry()
    {
        var cache = Create();
        cache.Add("token-a", new ClaimsIdentity([new Claim("sub", "a")], "test"), _time.GetUtcNow().AddSeconds(30));
        cache.Add("token-b", new ClaimsIdentity([new Claim("sub", "b")], "test"), _time.GetUtcNow().AddMinutes(2));
        Assert.True(cache.TryGet("token-a", out var a, shared: true));
        Assert.True(cache.TryGet("token-b", out var b, shared: true));
        var slot = Assert.IsAssignableFrom<Msil.Mcp.Abstractions.ICallerIdentityCache>(a);
        slot.ResolvedCaller = "caller of a";

        Assert.Null(Assert.IsAssignableFrom<Msil.Mcp.Abstractions.ICallerIdentityCache>(b).ResolvedCaller);
        Assert.True(cache.TryGet("token-a", out var again, shared: true));
        Assert.Equal("caller of a", ((Msil.Mcp.Abstractions.ICallerIdentityCache)again!).ResolvedCaller);

        // A per-request copy keeps nothing, and a token validated again after its entry expired starts empty.
        Assert.True(cache.TryGet("token-a", out var copy));
        Assert.IsNotAssignableFrom<Msil.Mcp.Abstractions.ICallerIdentityCache>(copy);
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.False(cache.TryGet("token-a", out _, shared: true));
        cache.Add("token-a", new ClaimsIdentity([new Claim("sub", "a")], "test"), _time.GetUtcNow().AddMinutes(2));
        Assert.True(cache.TryGet("token-a", out var renewed, shared: true));
        Assert.Null(((Msil.Mcp.Abstractions.ICallerIdentityCache)renewed!).ResolvedCaller);
    }

    private sealed class StaticMonitor(MsilAuthOptions value) : IOptionsMonitor<MsilAuthOptions>
    {
        public MsilAuthOptions CurrentValue => value;

        public MsilAuthOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<MsilAuthOptions, string?> listener) => null;
    }
}
