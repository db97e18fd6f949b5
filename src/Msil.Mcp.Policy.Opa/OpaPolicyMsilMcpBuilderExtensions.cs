using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Msil.Mcp;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Policy.Opa;
using Msil.Mcp.Policy.Opa.Embedded;
using Msil.Mcp.Policy.Opa.Opa;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds policy decisions (embedded or OPA) to the governed MCP server, for both <c>tools/list</c> and <c>tools/call</c>.</summary>
public static class OpaPolicyMsilMcpBuilderExtensions
{
    /// <summary>Adds the embedded policy engine with the package's default roles (viewer, operator, admin, pim-approver).</summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static IMsilMcpBuilder AddOpaPolicy(this IMsilMcpBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddCore(builder); // no configure action: calling it twice adds nothing twice
        return builder;
    }

    /// <summary>Adds policy decisions configured in code.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IMsilMcpBuilder AddOpaPolicy(this IMsilMcpBuilder builder, Action<OpaPolicyOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddCore(builder);
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>Adds policy decisions bound from <paramref name="section"/> (usually <c>Msil:Mcp:Policy</c>).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="section">The configuration section.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IMsilMcpBuilder AddOpaPolicy(this IMsilMcpBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddCore(builder);
        builder.Services.AddOptions<OpaPolicyOptions>().Bind(section);
        builder.AddConfigurationSection(section, typeof(OpaPolicyOptions));
        return builder;
    }

    private static void AddCore(IMsilMcpBuilder builder)
    {
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(EmbeddedPolicyDecisionPoint)))
        {
            return;
        }

        services.AddOptionsWithValidateOnStart<OpaPolicyOptions, OpaPolicyOptionsAnnotationsValidator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OpaPolicyOptions>, OpaPolicyOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<PolicyTelemetry>();

        // Short timeouts and no retries: a sidecar on loopback answers in milliseconds or not at all, and every
        // failure is a deny (fail closed). The per-request timeout is the options' Timeout, applied by the engine.
        services.AddHttpClient(OpaPolicyDecisionPoint.HttpClientName, static c =>
            {
                c.Timeout = System.Threading.Timeout.InfiniteTimeSpan;
                c.MaxResponseContentBufferSize = 1024 * 1024;
            })
            .ConfigurePrimaryHttpMessageHandler(static sp => new SocketsHttpHandler
            {
                ConnectTimeout = sp.GetRequiredService<IOptionsMonitor<OpaPolicyOptions>>().CurrentValue.Timeout,
                UseCookies = false,
                AllowAutoRedirect = false,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            })
            .RemoveAllLoggers();

        services.AddHealthChecks().AddCheck<OpaHealthCheck>(OpaHealthCheck.Name, tags: [Microsoft.AspNetCore.Builder.MsilMcpHealthEndpoints.ReadyTag, PolicyTelemetry.Name]);
        services.TryAddSingleton<EmbeddedPolicyDecisionPoint>();
        services.TryAddSingleton<OpaPolicyDecisionPoint>();
        services.RemoveAll<IPolicyDecisionPoint>();
        services.AddSingleton<IPolicyDecisionPoint>(static sp => sp.GetRequiredService<IOptions<OpaPolicyOptions>>().Value.Engine == PolicyEngine.Opa
            ? sp.GetRequiredService<OpaPolicyDecisionPoint>()
            : sp.GetRequiredService<EmbeddedPolicyDecisionPoint>());
    }
}
