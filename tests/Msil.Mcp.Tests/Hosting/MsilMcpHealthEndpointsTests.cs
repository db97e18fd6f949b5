using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using Msil.Mcp.Testing;

namespace Msil.Mcp.Tests.Hosting;

public sealed class MsilMcpHealthEndpointsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<MsilMcpTestHost> StartAsync(CountingCheck check, FakeTimeProvider time, Action<MsilMcpOptions>? options = null)
        => MsilMcpTestHost.StartAsync(
            mcp =>
            {
                mcp.Services.AddSingleton<TimeProvider>(time);
                mcp.Services.AddHealthChecks().AddCheck("counting", check, tags: [MsilMcpHealthEndpoints.ReadyTag]);
                if (options is not null)
                {
                    mcp.Services.Configure(options);
                }
            },
            o => o.ConfigureApp = app =>
            {
                app.MapMsilMcpHealthChecks();
                app.MapGet("/metrics", () => "metrics").RequireMsilMcpMetricsAccess();
            },
            Ct);

    [Fact]
    public async Task Ready_ManyRequestsWithinTheCacheTime_ChecksRunOnce()
    {
        var check = new CountingCheck();
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var host = await StartAsync(check, time);
        using var http = host.CreateHttpClient(null);

        for (var i = 0; i < 20; i++)
        {
            using var response = await http.GetAsync("/health/ready", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(1, check.Runs);
        time.Advance(TimeSpan.FromSeconds(6));
        using (await http.GetAsync("/health/ready", Ct))
        {
        }

        Assert.Equal(2, check.Runs);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("viewer", false)]
    [InlineData("admin", true)]
    public async Task Ready_Caller_OnlyOperatorsSeeEachCheck(string? role, bool details)
    {
        await using var host = await StartAsync(new CountingCheck(), new FakeTimeProvider(TimeProvider.System.GetUtcNow()));
        using var http = host.CreateHttpClient(role is null ? null : TestCaller.Create("u", role));

        using var response = await http.GetAsync("/health/ready", Ct);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;

        Assert.Equal(JsonValueKind.String, body.GetProperty("status").ValueKind);
        Assert.Equal(details, body.TryGetProperty("checks", out var checks));
        if (details)
        {
            Assert.Equal("counted", checks.GetProperty("counting").GetProperty("description").GetString());
        }
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("viewer", HttpStatusCode.Forbidden)]
    [InlineData("admin", HttpStatusCode.OK)]
    public async Task Metrics_Caller_OnlyOperators(string? role, HttpStatusCode expected)
    {
        await using var host = await StartAsync(new CountingCheck(), new FakeTimeProvider(TimeProvider.System.GetUtcNow()));
        using var http = host.CreateHttpClient(role is null ? null : TestCaller.Create("u", role));

        using var response = await http.GetAsync("/metrics", Ct);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Metrics_AllowAnonymousMetrics_AnyoneMayScrape()
    {
        await using var host = await StartAsync(new CountingCheck(), new FakeTimeProvider(TimeProvider.System.GetUtcNow()), o => o.AllowAnonymousMetrics = true);
        using var http = host.CreateHttpClient(null);

        using var response = await http.GetAsync("/metrics", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Live_Anonymous_StatusOnlyAndNoCheckRuns()
    {
        var check = new CountingCheck();
        await using var host = await StartAsync(check, new FakeTimeProvider(TimeProvider.System.GetUtcNow()));
        using var http = host.CreateHttpClient(null);

        using var response = await http.GetAsync("/health/live", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"status":"healthy"}""", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(0, check.Runs);
    }

    internal sealed class CountingCheck : IHealthCheck
    {
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _runs);
            return Task.FromResult(HealthCheckResult.Healthy("counted"));
        }
    }
}
