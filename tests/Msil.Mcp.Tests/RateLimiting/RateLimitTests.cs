using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Pipeline;
using Msil.Mcp.RateLimiting;
using Msil.Mcp.Tests.Hosting;

namespace Msil.Mcp.Tests.RateLimiting;

public sealed class RateLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CheckAsync_SameUserNameFromTwoIssuers_DoNotShareABucket()
    {
        // Issue #17 item 8: buckets were keyed by preferred_username, so one issuer's alice used up the other's.
        var options = new RateLimitOptions();
        options.PerUser.PermitsPerMinute = 1;
        options.PerUser.Burst = 2;
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var stage = new RateLimitStage(new InMemoryRateLimitStore(new FakeTimeProvider()), new FixedMonitor(options), new MsilMcpMetrics(services.GetRequiredService<IMeterFactory>()));
        var alice = new CallerIdentity { UserId = "alice", Subject = "sub-1", PreferredUsername = "alice", Issuer = "https://idp-a.example" };
        var otherAlice = alice with { Issuer = "https://idp-b.example" };

        await stage.CheckCallerAsync(alice, "read_orders", Ct);
        await stage.CheckCallerAsync(alice, "read_orders", Ct);
        await Assert.ThrowsAsync<RateLimitExceededException>(() => stage.CheckCallerAsync(alice, "read_orders", Ct).AsTask());
        await stage.CheckCallerAsync(otherAlice, "read_orders", Ct);
        await stage.CheckCallerAsync(otherAlice, "read_orders", Ct);
    }

    [Fact]
    public async Task TryAcquire_BurstUsedUp_RefusedUntilRefilled()
    {
        var time = new FakeTimeProvider();
        var store = new InMemoryRateLimitStore(time);
        var rule = new RateLimitRule { PermitsPerMinute = 60, Burst = 3 };

        var granted = 0;
        for (var i = 0; i < 5; i++)
        {
            granted += (await store.TryAcquireAsync("k", rule, Ct)).Acquired ? 1 : 0;
        }

        var refused = await store.TryAcquireAsync("k", rule, Ct);
        Assert.Equal(3, granted);
        Assert.False(refused.Acquired);
        Assert.InRange(refused.RetryAfter, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(1));
        Assert.True((await store.TryAcquireAsync("other", rule, Ct)).Acquired);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True((await store.TryAcquireAsync("k", rule, Ct)).Acquired);
        Assert.False((await store.TryAcquireAsync("k", rule, Ct)).Acquired);
    }

    [Fact]
    public async Task CallTool_WriteBurstExceeded_RefusedWithRetryTimeAndAudited()
    {
        var log = new StageLog();
        var audit = new RecordingAudit(log);
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var host = await TestHost.StartAsync(mcp =>
        {
            mcp.Services.AddSingleton<TimeProvider>(time);
            mcp.Services.AddSingleton(log);
            mcp.Services.AddSingleton(audit);
            mcp.Services.AddSingleton(new RecordingPolicy(log));
            mcp.UsePolicyDecisionPoint<Pipeline.RecordingPolicyAdapter>();
            mcp.UseAuditSink<Pipeline.RecordingAuditAdapter>();
            mcp.AddToolExecutor<RecordingExecutor>();
            mcp.AddTools("test", [Tools.Define("change", RiskLevel.Write), Tools.Define("look", RiskLevel.Read)]);
            mcp.Services.Configure<RateLimitOptions>(o =>
            {
                o.Write.PermitsPerMinute = 6;
                o.Write.Burst = 2;
            });
        });
        await using var client = await host.ConnectAsync("bob", "operator");

        await client.CallToolAsync("change", new Dictionary<string, object?>(), cancellationToken: Ct);
        await client.CallToolAsync("change", new Dictionary<string, object?>(), cancellationToken: Ct);
        var ex = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("change", new Dictionary<string, object?>(), cancellationToken: Ct).AsTask());
        var read = await client.CallToolAsync("look", new Dictionary<string, object?>(), cancellationToken: Ct);

        Assert.Contains("Rate limit exceeded for tool 'change'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Retry in 10 s", ex.Message, StringComparison.Ordinal);
        Assert.NotEqual(true, read.IsError);
        Assert.Equal(["success", "success", "rate_limited", "success"], audit.Records.Select(r => r.Outcome));

        time.Advance(TimeSpan.FromSeconds(10));
        var again = await client.CallToolAsync("change", new Dictionary<string, object?>(), cancellationToken: Ct);
        Assert.NotEqual(true, again.IsError);
    }

    [Fact]
    public async Task Start_ZeroPermits_RefusedNamingTheKey()
    {
        var ex = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => TestHost.StartAsync(mcp =>
            mcp.Services.Configure<RateLimitOptions>(o => o.Privileged.PermitsPerMinute = 0)));

        Assert.Contains("Msil:Mcp:RateLimit:Privileged:PermitsPerMinute", ex.Message, StringComparison.Ordinal);
    }

    private sealed class FixedMonitor(RateLimitOptions value) : IOptionsMonitor<RateLimitOptions>
    {
        public RateLimitOptions CurrentValue => value;

        public RateLimitOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<RateLimitOptions, string?> listener) => null;
    }
}
