using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Hosting;
using Msil.Mcp.Tests.Hosting;
using Msil.Mcp.Tests.Pipeline;
using Msil.Mcp.WarmUp;

namespace Msil.Mcp.Tests.WarmUp;

/// <summary>The start-up warm-up: it runs the in-process stages, never audits, calls no decision point or executor, and readiness waits for it.</summary>
public sealed class WarmUpServiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<TestHost> StartAsync(StageLog log, RecordingAudit audit, Action<MsilMcpWarmUpOptions>? warmUp = null)
        => TestHost.StartAsync(mcp =>
        {
            mcp.Services.AddSingleton(log);
            mcp.Services.AddSingleton(new RecordingPolicy(log));
            mcp.Services.AddSingleton(new RecordingElevation(log));
            mcp.Services.AddSingleton(audit);
            mcp.UsePolicyDecisionPoint<RecordingPolicyAdapter>();
            mcp.UseElevationGate<RecordingElevationAdapter>();
            mcp.UseAuditSink<RecordingAuditAdapter>();
            mcp.AddToolExecutor<RecordingExecutor>();
            mcp.AddTools("test", [Tools.Define("look", RiskLevel.Read), Tools.Define("wipe", RiskLevel.Privileged)]);
            if (warmUp is not null)
            {
                mcp.Services.Configure(warmUp);
            }
        });

    [Fact]
    public async Task StartedAsync_Enabled_TakesEachToolThroughTheStagesEveryRoundWithoutAuditPolicyOrExecutor()
    {
        var log = new StageLog();
        var audit = new RecordingAudit(log);
        await using var host = await StartAsync(log, audit, o => o.Iterations = 3);

        var result = await host.Services.GetRequiredService<WarmUpService>().Completion.WaitAsync(Ct);

        Assert.Equal(WarmUpStatus.Completed, result.Status);
        Assert.Equal(6, result.Calls);
        Assert.Empty(audit.Records);
        Assert.Empty(log.Entries);
    }

    [Fact]
    public async Task StartedAsync_Enabled_RealCallsAfterwardsAreAuditedAsBefore()
    {
        var log = new StageLog();
        var audit = new RecordingAudit(log);
        await using var host = await StartAsync(log, audit);
        await using var client = await host.ConnectAsync("bob", "operator");

        await client.CallToolAsync("look", new Dictionary<string, object?> { ["id"] = "1" }, cancellationToken: Ct);

        Assert.Equal(["policy:look", "execute:look", "audit:success"], log.Entries);
        Assert.Equal("bob", Assert.Single(audit.Records).UserId);
    }

    [Fact]
    public async Task StartedAsync_Disabled_Skipped()
    {
        var log = new StageLog();
        await using var host = await StartAsync(log, new RecordingAudit(log), o => o.Enabled = false);

        var result = await host.Services.GetRequiredService<WarmUpService>().Completion.WaitAsync(Ct);

        Assert.Equal(WarmUpStatus.Skipped, result.Status);
        Assert.Equal(0, result.Calls);
    }

    [Fact]
    public async Task ReadinessProbe_WarmUpNotEnded_UnhealthyWithoutAskingTheChecks_ThenTheChecks()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<Microsoft.Extensions.Hosting.IHostEnvironment>(new TestEnvironment());
        services.AddMsilMcp();
        var check = new CountingCheck();
        services.AddHealthChecks().AddCheck("counting", check, tags: [MsilMcpHealthEndpoints.ReadyTag]);
        await using var provider = services.BuildServiceProvider();
        var probe = provider.GetRequiredService<ReadinessProbe>();

        var before = await probe.GetAsync();
        await provider.GetRequiredService<WarmUpService>().StartedAsync(Ct);
        var after = await probe.GetAsync();

        Assert.Equal(HealthStatus.Unhealthy, before.Status);
        Assert.Equal([ReadinessProbe.WarmUpEntry], before.Entries.Keys);
        Assert.DoesNotContain(ReadinessProbe.WarmUpEntry, after.Entries.Keys);
        Assert.Equal(HealthStatus.Healthy, after.Entries["counting"].Status);
        Assert.Equal(1, check.Runs);
    }

    [Theory]
    [InlineData(0, 8, 20, "Msil:Mcp:WarmUp:Iterations")]
    [InlineData(40, 0, 20, "Msil:Mcp:WarmUp:MaxTools")]
    [InlineData(40, 8, 0, "Msil:Mcp:WarmUp:TimeoutSeconds")]
    public void Validate_OutOfRange_NamesTheKey(int iterations, int maxTools, int timeoutSeconds, string key)
    {
        var result = new WarmUpOptionsValidator().Validate(null, new MsilMcpWarmUpOptions { Iterations = iterations, MaxTools = maxTools, TimeoutSeconds = timeoutSeconds });

        Assert.True(result.Failed);
        Assert.Contains(key, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_InvalidOptions_FailsNamingTheKey()
    {
        var log = new StageLog();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(log, new RecordingAudit(log), o => o.Iterations = 0));

        Assert.Contains("Msil:Mcp:WarmUp:Iterations", ex.Message, StringComparison.Ordinal);
    }

    private sealed class CountingCheck : IHealthCheck
    {
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _runs);
            return Task.FromResult(HealthCheckResult.Healthy());
        }
    }

    private sealed class TestEnvironment : Microsoft.Extensions.Hosting.IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Development";

        public string ApplicationName { get; set; } = "tests";

        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;

        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = new Microsoft.Extensions.FileProviders.NullFileProvider();
    }
}
