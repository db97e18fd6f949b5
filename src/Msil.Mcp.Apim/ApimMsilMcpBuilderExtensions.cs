using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Msil.Mcp;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Apim;
using Msil.Mcp.Apim.Diagnostics;
using Msil.Mcp.Apim.Resilience;
using Polly;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the API manager executor for API-backed tools.</summary>
/// <remarks>
/// Each gateway gets a named client in <see cref="IHttpClientFactory"/>: <c>Msil.Mcp.Apim</c> for the default gateway
/// and <c>Msil.Mcp.Apim:{name}</c> for a named one, with its own connection pool, mTLS, retries, circuit breaker and
/// timeouts. Configuration and behaviour are described in <c>docs/apim.md</c>.
/// </remarks>
public static class ApimMsilMcpBuilderExtensions
{
    /// <summary>Adds the API manager executor with options configured in code.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures the options (the default gateway and <see cref="ApimOptions.Gateways"/>).</param>
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

    /// <summary>Adds the API manager executor; its options (<c>Msil:Mcp:Apim</c>) must be configured elsewhere.</summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static IMsilMcpBuilder AddApim(this IMsilMcpBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddCore(builder);
        return builder;
    }

    /// <summary>Adds the API manager executor bound from <paramref name="section"/> (usually <c>Msil:Mcp:Apim</c>, named gateways under its <c>Gateways</c>).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="section">The configuration section.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IMsilMcpBuilder AddApim(this IMsilMcpBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddCore(builder);
        builder.Services.AddOptions<ApimOptions>().Bind(section);
        builder.AddConfigurationSection(section, typeof(ApimOptions));
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
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<ApimGatewayOptions>, ApimGatewayOptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ApimGatewayOptions>, ApimGatewayOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddHttpClient();

        // The gateways' pipelines are built by Polly's registry, which applies the host's Polly telemetry options.
        services.AddResiliencePipelineRegistry<string>();

        // IHttpClientFactory's own log lines carry the request URI, whose path holds argument values, and at Trace the
        // header values (subscription key, token): keep them out of the gateway clients' logs (this package logs each
        // call without them).
        services.Configure<LoggerFilterOptions>(o => o.AddFilter("System.Net.Http.HttpClient." + ApimGatewayRegistry.ClientNamePrefix, LogLevel.Warning));
        services.TryAddSingleton<ApimMetrics>();
        services.TryAddSingleton<ApimGatewayRegistry>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IGatewayCircuitSource, GatewayCircuitSource>());
        services.TryAddSingleton<ApimHttpClientSetup>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<HttpClientFactoryOptions>, ApimHttpClientSetup>(sp => sp.GetRequiredService<ApimHttpClientSetup>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<HttpClientFactoryOptions>, ApimHttpClientSetup>(sp => sp.GetRequiredService<ApimHttpClientSetup>()));
        services.AddHealthChecks().AddCheck<ApimHealthCheck>(ApimHealthCheck.Name, tags: [Microsoft.AspNetCore.Builder.MsilMcpHealthEndpoints.ReadyTag, ApimMetrics.Name]);
        services.TryAddSingleton<ApimToolExecutor>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IToolExecutor, ApimToolExecutor>(sp => sp.GetRequiredService<ApimToolExecutor>()));
    }
}
