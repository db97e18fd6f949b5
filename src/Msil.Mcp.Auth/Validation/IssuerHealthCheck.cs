using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Msil.Mcp.Auth.Validation;

/// <summary>
/// Readiness of token validation per configured issuer: healthy when its discovery document answers; degraded when it
/// does not but keys are cached (validation goes on); unhealthy when no keys can be had at all.
/// </summary>
internal sealed class IssuerHealthCheck(IssuerRegistry issuers, IOptionsMonitor<MsilAuthOptions> options, IHttpClientFactory httpClientFactory) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var problems = new List<string>();
        var degraded = false;
        foreach (var configured in options.CurrentValue.Issuers)
        {
            var metadata = configured.MetadataAddress ?? configured.Issuer.TrimEnd('/') + "/.well-known/openid-configuration";
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            var reachable = false;
            try
            {
                using var response = await httpClientFactory.CreateClient(IssuerRegistry.HttpClientName).GetAsync(new Uri(metadata), timeout.Token).ConfigureAwait(false);
                reachable = response.IsSuccessStatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                reachable = false;
            }

            if (reachable)
            {
                continue;
            }

            var hasKeys = false;
            if (issuers.Get(configured.Issuer)?.ConfigurationManager is ConfigurationManager<OpenIdConnectConfiguration> manager)
            {
                try
                {
                    var config = await manager.GetConfigurationAsync(timeout.Token).ConfigureAwait(false);
                    hasKeys = config.SigningKeys.Count > 0;
                }
                catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or OperationCanceledException)
                {
                    hasKeys = false;
                }
            }

            if (hasKeys)
            {
                degraded = true;
                problems.Add($"{configured.Issuer} unreachable; validating with cached keys");
            }
            else
            {
                return HealthCheckResult.Unhealthy($"{configured.Issuer} unreachable and no keys are cached: tokens cannot be validated");
            }
        }

        return degraded
            ? HealthCheckResult.Degraded(string.Join("; ", problems))
            : HealthCheckResult.Healthy(options.CurrentValue.Issuers.Count == 0 ? "development issuer (in process)" : $"{options.CurrentValue.Issuers.Count} issuer(s) reachable");
    }
}
