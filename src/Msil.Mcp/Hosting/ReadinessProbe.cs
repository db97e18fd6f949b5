using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Msil.Mcp.Hosting;

/// <summary>
/// The readiness checks (every check tagged <c>ready</c>), run at most once per
/// <see cref="MsilMcpOptions.ReadinessCacheSeconds"/>: requests in between get the last report, and requests while a
/// run is under way share it. So neither a probe nor a flood of anonymous requests reaches the dependencies (the
/// identity provider's discovery document, the database, OPA…) more often than that. Until the start-up warm-up
/// (<c>Msil:Mcp:WarmUp</c>) has ended it answers unhealthy without asking any dependency, and caches nothing.
/// </summary>
internal sealed class ReadinessProbe(HealthCheckService health, IOptionsMonitor<MsilMcpOptions> options, TimeProvider time, WarmUp.WarmUpService warmUp)
{
    /// <summary>The name of the entry that says the warm-up is still running.</summary>
    public const string WarmUpEntry = "msil-warm-up";

    private static readonly HealthReport WarmingUp = new(
        new Dictionary<string, HealthReportEntry>(StringComparer.Ordinal)
        {
            [WarmUpEntry] = new(HealthStatus.Unhealthy, "the start-up warm-up is running (Msil:Mcp:WarmUp)", TimeSpan.Zero, null, null),
        },
        TimeSpan.Zero);

    private readonly Lock _gate = new();
    private HealthReport? _last;
    private long _lastAt;
    private Task<HealthReport>? _running;

    public Task<HealthReport> GetAsync()
    {
        if (!warmUp.IsComplete)
        {
            return Task.FromResult(WarmingUp);
        }

        var maxAge = TimeSpan.FromSeconds(options.CurrentValue.ReadinessCacheSeconds);
        lock (_gate)
        {
            if (_last is not null && maxAge > TimeSpan.Zero && time.GetElapsedTime(_lastAt) < maxAge)
            {
                return Task.FromResult(_last);
            }

            if (_running is { IsCompleted: false } running)
            {
                return running;
            }

            _running = RunAsync();
            return _running;
        }
    }

    private async Task<HealthReport> RunAsync()
    {
        // Not the request's token: the run is shared, and one caller going away must not fail it for the others.
        var report = await health.CheckHealthAsync(static c => c.Tags.Contains(Microsoft.AspNetCore.Builder.MsilMcpHealthEndpoints.ReadyTag), CancellationToken.None).ConfigureAwait(false);
        lock (_gate)
        {
            _last = report;
            _lastAt = time.GetTimestamp();
        }

        return report;
    }
}
