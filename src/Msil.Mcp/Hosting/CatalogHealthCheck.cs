using Microsoft.Extensions.Diagnostics.HealthChecks;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Hosting;

/// <summary>Ready when the catalog has tools; degraded (the server answers, but offers nothing) when it is empty.</summary>
internal sealed class CatalogHealthCheck(IToolCatalog catalog) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = catalog.Current;
        return Task.FromResult(snapshot.Tools.Count > 0
            ? HealthCheckResult.Healthy($"{snapshot.Tools.Count} tools (catalog version {snapshot.Version})")
            : HealthCheckResult.Degraded("the tool catalog is empty"));
    }
}
