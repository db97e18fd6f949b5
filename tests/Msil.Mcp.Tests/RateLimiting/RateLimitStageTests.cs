using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Catalog;
using Msil.Mcp.Pipeline;
using Msil.Mcp.RateLimiting;
using Msil.Mcp.Tests.Hosting;
using Msil.Mcp.Tests.Pipeline.Stages;

namespace Msil.Mcp.Tests.RateLimiting;

public sealed class RateLimitStageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (RateLimitStage Stage, MetricCollector<long> Rejections, ServiceProvider Services) Create()
    {
        var services = StageFixtures.Services(mcp =>
        {
            mcp.Services.AddSingleton<TimeProvider>(new FakeTimeProvider());
            mcp.Services.Configure<RateLimitOptions>(o =>
            {
                o.PerUser.PermitsPerMinute = 1;
                o.PerUser.Burst = 2;
                o.Read.PermitsPerMinute = 1;
                o.Read.Burst = 1;
            });
        });
        var rejections = new MetricCollector<long>(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), MsilMcpTelemetry.CoreName, "msil.mcp.ratelimit.rejections");
        return (services.GetRequiredService<RateLimitStage>(), rejections, services);
    }

    [Fact]
    public async Task CheckCallerAsync_AnyNames_ShareTheCallersBucketAndTheRejectionHasNoToolLabel()
    {
        var (stage, rejections, services) = Create();
        using var _ = services;
        using var __ = rejections;
        var caller = StageFixtures.Caller("mallory");

        await stage.CheckCallerAsync(caller, "no_such_tool_1", Ct);
        await stage.CheckCallerAsync(caller, "no_such_tool_2", Ct);
        var ex = await Assert.ThrowsAsync<RateLimitExceededException>(() => stage.CheckCallerAsync(caller, "no_such_tool_3", Ct).AsTask());
        await stage.CheckCallerAsync(StageFixtures.Caller("bob"), "no_such_tool_3", Ct);

        Assert.Contains("per user", ex.Message, StringComparison.Ordinal);
        var rejection = Assert.Single(rejections.GetMeasurementSnapshot());
        Assert.Equal("user", rejection.Tags["msil.ratelimit.limit"]);
        Assert.False(rejection.Tags.ContainsKey("mcp.tool.name"));
    }

    [Fact]
    public async Task CheckToolAsync_RiskLevelBucketUsedUp_RefusedPerToolWithTheCatalogLabel()
    {
        var (stage, rejections, services) = Create();
        using var _ = services;
        using var __ = rejections;
        var caller = StageFixtures.Caller();
        var look = CompiledTool.Compile(Tools.Define("look", RiskLevel.Read));

        await stage.CheckToolAsync(caller, look, Ct);
        var ex = await Assert.ThrowsAsync<RateLimitExceededException>(() => stage.CheckToolAsync(caller, look, Ct).AsTask());

        Assert.Contains("for read tools", ex.Message, StringComparison.Ordinal);
        Assert.Equal("look", Assert.Single(rejections.GetMeasurementSnapshot()).Tags["mcp.tool.name"]);
    }

    [Fact]
    public async Task CheckCallerAsync_SharedPrincipalKey_SameBucketAsTheKeyBuiltPerCall()
    {
        var (stage, rejections, services) = Create();
        using var _ = services;
        using var __ = rejections;
        var caller = StageFixtures.Caller("mallory");
        var shared = caller.PrincipalKey;

        await stage.CheckCallerAsync(caller, shared, "a", sharedKey: true, Ct);
        await stage.CheckCallerAsync(caller, caller.PrincipalKey, "b", sharedKey: false, Ct);

        // The bucket (burst 2) is used up whichever way its key was made.
        await Assert.ThrowsAsync<RateLimitExceededException>(() => stage.CheckCallerAsync(caller, shared, "c", sharedKey: true, Ct).AsTask());
        await Assert.ThrowsAsync<RateLimitExceededException>(() => stage.CheckCallerAsync(caller, Copy(shared), "c", sharedKey: false, Ct).AsTask());
        await stage.CheckCallerAsync(StageFixtures.Caller("bob"), StageFixtures.Caller("bob").PrincipalKey, "c", sharedKey: true, Ct);
    }

    [Fact]
    public async Task CheckToolAsync_SharedPrincipalKey_OneBucketPerToolAsWithTheKeyBuiltPerCall()
    {
        var (stage, rejections, services) = Create();
        using var _ = services;
        using var __ = rejections;
        var shared = StageFixtures.Caller().PrincipalKey;
        var look = CompiledTool.Compile(Tools.Define("look", RiskLevel.Read));
        var peek = CompiledTool.Compile(Tools.Define("peek", RiskLevel.Read));

        await stage.CheckToolAsync(shared, look, sharedKey: true, Ct);
        await stage.CheckToolAsync(shared, peek, sharedKey: true, Ct);

        await Assert.ThrowsAsync<RateLimitExceededException>(() => stage.CheckToolAsync(shared, look, sharedKey: true, Ct).AsTask());
        await Assert.ThrowsAsync<RateLimitExceededException>(() => stage.CheckToolAsync(Copy(shared), peek, sharedKey: false, Ct).AsTask());
    }

    private static string Copy(string value) => new(value.AsSpan());
}
