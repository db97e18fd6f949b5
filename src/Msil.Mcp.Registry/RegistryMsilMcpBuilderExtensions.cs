using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Msil.Mcp;
using Msil.Mcp.Hosting;
using Msil.Mcp.Registry;
using Msil.Mcp.Registry.Discovery;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the tool registry: OpenAPI import into the catalog and the discovery API.</summary>
public static class RegistryMsilMcpBuilderExtensions
{
    /// <summary>Adds the tool registry with no sources (add them with <see cref="AddOpenApiSource"/> or configuration).</summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IMsilMcpBuilder AddToolRegistry(this IMsilMcpBuilder builder) => builder.AddToolRegistry(static _ => { });

    /// <summary>Adds the tool registry configured in code.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IMsilMcpBuilder AddToolRegistry(this IMsilMcpBuilder builder, Action<ToolRegistryOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddCore(builder);
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>Adds the tool registry bound from <paramref name="section"/> (usually <c>Msil:Mcp:Registry</c>).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="section">The configuration section.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    [RequiresUnreferencedCode("Binds options from configuration by reflection.")]
    [RequiresDynamicCode("Binds options from configuration by reflection.")]
    public static IMsilMcpBuilder AddToolRegistry(this IMsilMcpBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddCore(builder);
        builder.Services.AddOptions<ToolRegistryOptions>().Bind(section);
        return builder;
    }

    /// <summary>Adds an OpenAPI document, opened by <paramref name="open"/>, to import at start.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The source name.</param>
    /// <param name="open">Opens the document (JSON or YAML).</param>
    /// <param name="audience">The downstream token audience for its tools, if the backend needs one.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IMsilMcpBuilder AddOpenApiSource(this IMsilMcpBuilder builder, string name, Func<Stream> open, string? audience = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(open);
        AddCore(builder);
        builder.Services.Configure<ToolRegistryOptions>(o => o.Sources.Add(new OpenApiSourceOptions { Name = name, Open = open, Audience = audience }));
        return builder;
    }

    private static void AddCore(IMsilMcpBuilder builder)
    {
        var services = builder.Services;
        if (services.Any(d => d.ImplementationType == typeof(StartupImporter)))
        {
            return;
        }

        services.AddOptions<ToolRegistryOptions>().ValidateOnStart();
        services.AddHostedService<StartupImporter>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMsilMcpEndpointContributor, DiscoveryEndpoints>());
    }
}
