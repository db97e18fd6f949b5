using System.Diagnostics.CodeAnalysis;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Msil.Mcp;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Apim;
using Polly;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the API manager executor for API-backed tools.</summary>
public static class ApimMsilMcpBuilderExtensions
{
    /// <summary>Adds the API manager executor with options configured in code.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IMsilMcpBuilder AddApim(this IMsilMcpBuilder builder, Action<ApimOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddCore(builder);
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>Adds the API manager executor; configure <c>Msil:Mcp:Apim:GatewayUrl</c> through options.</summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IMsilMcpBuilder AddApim(this IMsilMcpBuilder builder) => builder.AddApim(static _ => { });

    /// <summary>Adds the API manager executor bound from <paramref name="section"/> (usually <c>Msil:Mcp:Apim</c>).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="section">The configuration section.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    [RequiresUnreferencedCode("Binds options from configuration by reflection.")]
    [RequiresDynamicCode("Binds options from configuration by reflection.")]
    public static IMsilMcpBuilder AddApim(this IMsilMcpBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddCore(builder);
        builder.Services.AddOptions<ApimOptions>().Bind(section);
        return builder;
    }

    private static void AddCore(IMsilMcpBuilder builder)
    {
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(ApimToolExecutor)))
        {
            return;
        }

        services.AddOptions<ApimOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ApimOptions>, ApimOptionsValidator>());
        services.TryAddSingleton<ApimToolExecutor>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IToolExecutor, ApimToolExecutor>(sp => sp.GetRequiredService<ApimToolExecutor>()));

        var http = services.AddHttpClient(ApimToolExecutor.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => CreateHandler(sp.GetRequiredService<IOptions<ApimOptions>>().Value));
        http.AddResilienceHandler("apim", (pipeline, context) =>
        {
            var o = context.ServiceProvider.GetRequiredService<IOptions<ApimOptions>>().Value;
            var retry = new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = o.RetryMaxAttempts,
                Delay = o.RetryBackoffBase,
                MaxDelay = o.RetryBackoffMax,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldRetryAfterHeader = true,
            };
            retry.DisableForUnsafeHttpMethods();
            pipeline.AddTimeout(o.ReadTimeout * (o.RetryMaxAttempts + 1) + TimeSpan.FromSeconds(20));
            pipeline.AddRetry(retry);
            pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                // Seed §3.1: failures within 60 s open the breaker for 30 s, then one probe goes through (Polly's
                // half-open state). Polly counts a failure ratio over the sampling window: here it opens once at least
                // CircuitBreakerThreshold calls were seen in the window and half of them or more failed.
                FailureRatio = 0.5,
                MinimumThroughput = o.CircuitBreakerThreshold,
                SamplingDuration = o.CircuitBreakerSamplingDuration,
                BreakDuration = o.CircuitBreakerBreakDuration,
            });
            pipeline.AddTimeout(o.ReadTimeout);
        });
    }

    private static SocketsHttpHandler CreateHandler(ApimOptions o)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = o.ConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = System.Net.DecompressionMethods.All,
        };
        handler.SslOptions.EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
        if (o.ClientCertificatePath is not null)
        {
            var certificate = X509Certificate2.CreateFromPemFile(o.ClientCertificatePath, o.ClientKeyPath);
            handler.SslOptions.ClientCertificates = [certificate];
        }

        if (o.CaCertificatePath is not null)
        {
            var trust = new X509Certificate2Collection();
            trust.ImportFromPemFile(o.CaCertificatePath);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null)
                {
                    return false;
                }

                if (errors == SslPolicyErrors.None)
                {
                    return true;
                }

                if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(trust);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(certificate));
            };
        }

        return handler;
    }

    private sealed class ApimOptionsValidator : IValidateOptions<ApimOptions>
    {
        public ValidateOptionsResult Validate(string? name, ApimOptions options)
        {
            var errors = new List<string>();
            if (options.GatewayUrl is null || !options.GatewayUrl.IsAbsoluteUri || options.GatewayUrl.Scheme is not ("http" or "https"))
            {
                errors.Add("Msil:Mcp:Apim:GatewayUrl must be an absolute http(s) URL of the API manager's gateway, for example https://apim.example.com.");
            }

            if (options.RetryMaxAttempts is < 0 or > 10)
            {
                errors.Add("Msil:Mcp:Apim:RetryMaxAttempts must be between 0 and 10.");
            }

            if (options.CircuitBreakerThreshold < 2)
            {
                errors.Add("Msil:Mcp:Apim:CircuitBreakerThreshold must be at least 2.");
            }

            if (options.CircuitBreakerSamplingDuration < options.ReadTimeout * 2)
            {
                errors.Add("Msil:Mcp:Apim:CircuitBreakerSamplingDuration must be at least twice Msil:Mcp:Apim:ReadTimeout.");
            }

            if (options.ClientCertificatePath is not null && !File.Exists(options.ClientCertificatePath))
            {
                errors.Add($"Msil:Mcp:Apim:ClientCertificatePath '{options.ClientCertificatePath}' does not exist.");
            }

            if (options.ClientKeyPath is not null && !File.Exists(options.ClientKeyPath))
            {
                errors.Add($"Msil:Mcp:Apim:ClientKeyPath '{options.ClientKeyPath}' does not exist.");
            }

            if (options.CaCertificatePath is not null && !File.Exists(options.CaCertificatePath))
            {
                errors.Add($"Msil:Mcp:Apim:CaCertificatePath '{options.CaCertificatePath}' does not exist.");
            }

            if (options.MaxResponseBytes is < 1024 or > 64 * 1024 * 1024)
            {
                errors.Add("Msil:Mcp:Apim:MaxResponseBytes must be between 1024 and 67108864.");
            }

            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
