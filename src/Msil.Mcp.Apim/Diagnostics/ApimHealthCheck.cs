using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Msil.Mcp.Apim.Resilience;

namespace Msil.Mcp.Apim.Diagnostics;

/// <summary>
/// Readiness of the gateways in use (<c>msil-apim-gateways</c>, tagged <c>ready</c>): degraded while a circuit breaker is
/// open or half-open, or when a client certificate expires within <see cref="ExpiryWarning"/> (or has expired); never
/// unhealthy, because one failing backend must not take the replica, and every other tool, out of service.
/// </summary>
internal sealed class ApimHealthCheck(ApimGatewayRegistry registry, TimeProvider time) : IHealthCheck
{
    public const string Name = "msil-apim-gateways";

    public static readonly TimeSpan ExpiryWarning = TimeSpan.FromDays(7);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var problems = new List<string>();
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var now = time.GetUtcNow();
        foreach (var gateway in registry.Built)
        {
            var state = gateway.Breaker.State;
            data[gateway.Name] = state switch
            {
                CircuitState.Open => "open",
                CircuitState.HalfOpen => "half-open",
                _ => "closed",
            };
            if (state != CircuitState.Closed)
            {
                problems.Add($"the circuit breaker of gateway '{gateway.Name}' is {data[gateway.Name]}");
            }

            if (gateway.Certificates?.Current is { } certificate)
            {
                var expires = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
                if (expires - now < ExpiryWarning)
                {
                    problems.Add(expires <= now
                        ? $"the client certificate of gateway '{gateway.Name}' expired at {expires.ToString("u", CultureInfo.InvariantCulture)}"
                        : $"the client certificate of gateway '{gateway.Name}' expires at {expires.ToString("u", CultureInfo.InvariantCulture)}");
                }
            }
        }

        return Task.FromResult(problems.Count == 0
            ? HealthCheckResult.Healthy(data.Count == 0 ? "no gateway called yet" : "every gateway's circuit is closed", data)
            : HealthCheckResult.Degraded(string.Join("; ", problems), data: data));
    }
}
