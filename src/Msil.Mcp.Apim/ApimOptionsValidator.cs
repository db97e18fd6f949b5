using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Msil.Mcp.Apim.Http;
using Msil.Mcp.Apim.Tls;

namespace Msil.Mcp.Apim;

/// <summary>Validates <see cref="ApimOptions"/> and every named gateway at start; each message names the configuration key.</summary>
/// <remarks>
/// A plain http gateway URL is refused in Production (the subscription key and the users' downstream tokens would
/// travel unencrypted) unless the gateway sets <see cref="ApimGatewayOptions.AllowInsecureHttp"/>, which logs a warning.
/// Without a host environment (a bare service collection) the Production rule applies, as the host's default
/// environment is Production.
/// </remarks>
internal sealed class ApimOptionsValidator(IHostEnvironment? environment = null, ILogger<ApimOptionsValidator>? logger = null) : IValidateOptions<ApimOptions>
{
    private readonly ILogger _logger = logger ?? NullLogger<ApimOptionsValidator>.Instance;

    private bool IsProduction => environment?.IsProduction() ?? true;

    public ValidateOptionsResult Validate(string? name, ApimOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();

        // The default gateway may be left out when named gateways are configured; a tool that needs it then fails with a clear error.
        ValidateGateway(ApimOptions.SectionName, options, urlRequired: options.Gateways.Count == 0, errors);
        CheckScheme(ApimOptions.SectionName, options, errors);
        foreach (var (gateway, settings) in options.Gateways)
        {
            var prefix = $"{ApimOptions.SectionName}:Gateways:{gateway}";
            if (string.IsNullOrWhiteSpace(gateway) || string.Equals(gateway, ApimOptions.DefaultGatewayName, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{prefix}: '{gateway}' cannot name a gateway; the default gateway is configured directly under {ApimOptions.SectionName}.");
                continue;
            }

            if (settings is null)
            {
                errors.Add($"{prefix} is empty; set at least {prefix}:GatewayUrl.");
                continue;
            }

            ValidateGateway(prefix, settings, urlRequired: true, errors);
            CheckScheme(prefix, settings, errors);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private void CheckScheme(string prefix, ApimGatewayOptions o, List<string> errors)
    {
        if (o.GatewayUrl is not { IsAbsoluteUri: true, Scheme: "http" } || !IsProduction)
        {
            return;
        }

        if (o.AllowInsecureHttp)
        {
            Log.InsecureGatewayAllowed(_logger, prefix + ":GatewayUrl", prefix + ":AllowInsecureHttp");
            return;
        }

        errors.Add($"{prefix}:GatewayUrl: '{o.GatewayUrl.GetLeftPart(UriPartial.Authority)}' is plain http, which Production refuses because the subscription key and the users' tokens would travel unencrypted; use https or set {prefix}:AllowInsecureHttp=true.");
    }

    internal static void ValidateGateway(string prefix, ApimGatewayOptions o, bool urlRequired, List<string> errors)
    {
        if (o.GatewayUrl is null)
        {
            if (urlRequired)
            {
                errors.Add($"{prefix}:GatewayUrl must be set to the absolute http(s) URL of the API manager's gateway, for example https://apim.example.com.");
            }
        }
        else if (!o.GatewayUrl.IsAbsoluteUri || o.GatewayUrl.Scheme is not ("http" or "https") || o.GatewayUrl.Query.Length > 0 || o.GatewayUrl.Fragment.Length > 0)
        {
            errors.Add($"{prefix}:GatewayUrl must be an absolute http(s) URL without query or fragment, for example https://apim.example.com/dealer-api.");
        }

        if (string.IsNullOrWhiteSpace(o.SubscriptionKeyHeader) || !RequestBuilder.IsToken(o.SubscriptionKeyHeader))
        {
            errors.Add($"{prefix}:SubscriptionKeyHeader must be a valid header name, for example Ocp-Apim-Subscription-Key.");
        }

        if (o.SubscriptionKey is { } key && !Http.HttpText.IsHeaderValue(key))
        {
            errors.Add($"{prefix}:SubscriptionKey must be printable ASCII (no line breaks or other control characters), as it is sent in a header.");
        }

        if (string.IsNullOrWhiteSpace(o.SubscriptionKeyQueryName))
        {
            errors.Add($"{prefix}:SubscriptionKeyQueryName must be set (the API manager's default is subscription-key).");
        }

        Positive(errors, prefix, nameof(o.ConnectTimeout), o.ConnectTimeout, TimeSpan.FromMilliseconds(10));
        Positive(errors, prefix, nameof(o.ReadTimeout), o.ReadTimeout, TimeSpan.FromMilliseconds(10));
        Positive(errors, prefix, nameof(o.TotalTimeout), o.TotalTimeout, TimeSpan.FromMilliseconds(10));
        Positive(errors, prefix, nameof(o.CircuitBreakerSamplingDuration), o.CircuitBreakerSamplingDuration, TimeSpan.FromMilliseconds(1));
        Positive(errors, prefix, nameof(o.CircuitBreakerBreakDuration), o.CircuitBreakerBreakDuration, TimeSpan.FromMilliseconds(1));
        Positive(errors, prefix, nameof(o.PooledConnectionLifetime), o.PooledConnectionLifetime, TimeSpan.FromSeconds(1));
        if (o.TotalTimeout < o.ReadTimeout)
        {
            errors.Add($"{prefix}:TotalTimeout ({o.TotalTimeout}) must be at least {prefix}:ReadTimeout ({o.ReadTimeout}).");
        }

        if (o.RetryMaxAttempts is < 0 or > 10)
        {
            errors.Add($"{prefix}:RetryMaxAttempts must be between 0 and 10.");
        }

        if (o.RetryBackoffBase < TimeSpan.Zero || o.RetryBackoffBase > TimeSpan.FromDays(1))
        {
            errors.Add($"{prefix}:RetryBackoffBase must be between 0 and 1 day.");
        }

        if (o.RetryBackoffMax < o.RetryBackoffBase || o.RetryBackoffMax > TimeSpan.FromDays(1))
        {
            errors.Add($"{prefix}:RetryBackoffMax must be at least {prefix}:RetryBackoffBase and at most 1 day.");
        }

        if (o.CircuitBreakerThreshold is < 1 or > 1000)
        {
            errors.Add($"{prefix}:CircuitBreakerThreshold must be between 1 and 1000.");
        }

        if (o.MaxResponseBytes is < 1024 or > 64 * 1024 * 1024)
        {
            errors.Add($"{prefix}:MaxResponseBytes must be between 1024 and 67108864.");
        }

        ValidateCertificates(prefix, o, errors);
    }

    private static void ValidateCertificates(string prefix, ApimGatewayOptions o, List<string> errors)
    {
        if (o.ClientKeyPath is not null && o.ClientCertificatePath is null)
        {
            errors.Add($"{prefix}:ClientKeyPath is set without {prefix}:ClientCertificatePath.");
        }

        var filesExist = true;
        foreach (var (key, path) in new[] { ("ClientCertificatePath", o.ClientCertificatePath), ("ClientKeyPath", o.ClientKeyPath), ("CaCertificatePath", o.CaCertificatePath) })
        {
            if (path is not null && !File.Exists(path))
            {
                errors.Add($"{prefix}:{key} '{path}' does not exist.");
                filesExist = false;
            }
        }

        if (!filesExist)
        {
            return;
        }

        if (o.ClientCertificatePath is { } certificatePath)
        {
            try
            {
                using var certificate = ClientCertificateSource.Load(File.ReadAllBytes(certificatePath), o.ClientKeyPath is { } keyPath ? File.ReadAllBytes(keyPath) : []);
                if (!certificate.HasPrivateKey)
                {
                    errors.Add($"{prefix}:ClientCertificatePath has no private key; set {prefix}:ClientKeyPath to the key's PEM file.");
                }
            }
            catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                errors.Add($"{prefix}:ClientCertificatePath and ClientKeyPath must hold a PEM certificate and its matching, unencrypted private key ({ex.GetType().Name}: {ex.Message}).");
            }
        }

        if (o.CaCertificatePath is { } caPath)
        {
            try
            {
                _ = GatewayTrust.Load(caPath);
            }
            catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
            {
                errors.Add($"{prefix}:CaCertificatePath must hold at least one PEM certificate ({ex.GetType().Name}: {ex.Message}).");
            }
        }
    }

    private static void Positive(List<string> errors, string prefix, string key, TimeSpan value, TimeSpan minimum)
    {
        if (value < minimum || value > TimeSpan.FromDays(1))
        {
            errors.Add($"{prefix}:{key} must be between {minimum} and 1 day (it is {value}).");
        }
    }
}
