using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Msil.Mcp;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Policy.Opa;
using Msil.Mcp.Policy.Opa.Embedded;
using Msil.Mcp.Policy.Opa.Opa;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds policy decisions (embedded or OPA) to the governed MCP server.</summary>
public static class OpaPolicyMsilMcpBuilderExtensions
{
    /// <summary>Adds the embedded policy engine with the package's default roles (viewer, operator, admin).</summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IMsilMcpBuilder AddOpaPolicy(this IMsilMcpBuilder builder) => builder.AddOpaPolicy(static _ => { });

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
    [RequiresUnreferencedCode("Binds options from configuration by reflection.")]
    [RequiresDynamicCode("Binds options from configuration by reflection.")]
    public static IMsilMcpBuilder AddOpaPolicy(this IMsilMcpBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddCore(builder);
        builder.Services.AddOptions<OpaPolicyOptions>().Bind(section);
        return builder;
    }

    private static void AddCore(IMsilMcpBuilder builder)
    {
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(EmbeddedPolicyDecisionPoint)))
        {
            return;
        }

        services.AddOptions<OpaPolicyOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OpaPolicyOptions>, OpaPolicyOptionsValidator>());
        services.AddHttpClient(OpaPolicyDecisionPoint.HttpClientName);
        services.TryAddSingleton<EmbeddedPolicyDecisionPoint>();
        services.TryAddSingleton<OpaPolicyDecisionPoint>();
        services.RemoveAll<IPolicyDecisionPoint>();
        services.AddSingleton<IPolicyDecisionPoint>(sp => sp.GetRequiredService<IOptions<OpaPolicyOptions>>().Value.Engine == PolicyEngine.Opa
            ? sp.GetRequiredService<OpaPolicyDecisionPoint>()
            : sp.GetRequiredService<EmbeddedPolicyDecisionPoint>());
    }
}
