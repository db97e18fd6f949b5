using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Msil.Mcp.Policy.Opa.Opa;

/// <summary>
/// Readiness of the policy engine: the embedded engine is always healthy; OPA is healthy when its <c>GET /health</c>
/// answers 200 within <see cref="OpaPolicyOptions.Timeout"/>, and unhealthy otherwise, because every decision is then a
/// deny (fail closed) and the instance can serve nothing but errors.
/// </summary>
internal sealed class OpaHealthCheck(IOptionsMonitor<OpaPolicyOptions> options, IHttpClientFactory httpClientFactory) : IHealthCheck
{
    /// <summary>The check's name in the health report.</summary>
    public const string Name = "msil-policy";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var o = options.CurrentValue;
        if (o.Engine != PolicyEngine.Opa)
        {
            return HealthCheckResult.Healthy("embedded policy engine");
        }

        var target = new Uri(o.Endpoint, "health");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(o.Timeout);
        try
        {
            var client = httpClientFactory.CreateClient(OpaPolicyDecisionPoint.HttpClientName);
            using var response = await client.GetAsync(target, timeout.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode
                ? HealthCheckResult.Healthy($"OPA at {o.Endpoint.Authority} is ready")
                : HealthCheckResult.Unhealthy($"OPA at {o.Endpoint.Authority} answered HTTP {(int)response.StatusCode} to GET /health: every call is denied");
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return HealthCheckResult.Unhealthy($"OPA at {o.Endpoint.Authority} cannot be reached ({ex.GetType().Name}): every call is denied");
        }
    }
}
