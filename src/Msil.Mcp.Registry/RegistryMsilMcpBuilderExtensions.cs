using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Msil.Mcp;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Hosting;
using Msil.Mcp.Registry;
using Msil.Mcp.Registry.Api;
using Msil.Mcp.Registry.Catalog;
using Msil.Mcp.Registry.Discovery;
using Msil.Mcp.Registry.Store;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the tool registry: OpenAPI import into the catalog and the discovery API.</summary>
public static class RegistryMsilMcpBuilderExtensions
{
    /// <summary>Adds the tool registry with no sources (add them with <see cref="AddOpenApiSource"/> or configuration).</summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static IMsilMcpBuilder AddToolRegistry(this IMsilMcpBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddCore(builder); // no configure action: calling it twice adds nothing twice
        return builder;
    }

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
    public static IMsilMcpBuilder AddToolRegistry(this IMsilMcpBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddCore(builder);
        builder.Services.AddOptions<ToolRegistryOptions>().Bind(section);
        builder.AddConfigurationSection(section, typeof(ToolRegistryOptions));
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

        services.AddOptionsWithValidateOnStart<ToolRegistryOptions, ToolRegistryOptionsAnnotationsValidator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ToolRegistryOptions>, ToolRegistryOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ToolRegistryOptions>, RegistryTransportValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IToolStore>(static sp =>
        {
            var o = sp.GetRequiredService<IOptions<ToolRegistryOptions>>().Value;
            var time = sp.GetRequiredService<TimeProvider>();
            if (o.Store == ToolStoreKind.PostgreSql)
            {
                return new PostgreSqlToolStore(PostgreSqlTransport.ApplyDefaults(o.ConnectionString!, new PostgreSqlPoolSettings(o.SslMode, o.MinPoolSize, o.MaxPoolSize, o.PoolTimeout, o.ConnectionLifetime, o.StatementTimeout, o.LockTimeout)), o.Schema, time);
            }

            var root = sp.GetRequiredService<IHostEnvironment>().ContentRootPath;
            return new SqliteToolStore(Path.IsPathRooted(o.SqlitePath) ? o.SqlitePath : Path.Combine(root, o.SqlitePath), time);
        });
        RegistryRedis.AddOverride(services);
        services.TryAddSingleton<RegistryRedis>();
        services.TryAddSingleton<RegistryChangeBus>();
        services.TryAddSingleton<DocumentFetcher>();
        services.TryAddSingleton<UrlSourceRefresher>();
        services.AddMetrics();
        services.TryAddSingleton<RegistryTelemetry>();
        services.AddHealthChecks().AddCheck<UrlSourcesHealthCheck>(UrlSourcesHealthCheck.Name, tags: [Microsoft.AspNetCore.Builder.MsilMcpHealthEndpoints.ReadyTag, RegistryTelemetry.Name]);

        // HybridCache keeps each store revision's catalog; its second level is Redis when the registry has Redis
        // (Msil:Mcp:Registry:Redis, the shared Msil:Mcp:Redis or the host's IConnectionMultiplexer), so an instance reloading after a change
        // usually reads the catalog another instance already built.
        services.AddHybridCache();
        services.TryAddSingleton<IDistributedCache>(static sp =>
        {
            var redis = sp.GetRequiredService<RegistryRedis>();
            if (!redis.Configured)
            {
                return new MemoryDistributedCache(Microsoft.Extensions.Options.Options.Create(new MemoryDistributedCacheOptions()));
            }

            return new RedisCache(Microsoft.Extensions.Options.Options.Create(new RedisCacheOptions
            {
                InstanceName = "msil:tools:cache:",
                ConnectionMultiplexerFactory = async () => (await redis.GetAsync().ConfigureAwait(false))!,
            }));
        });
        services.TryAddSingleton(static sp => new ToolRegistry(
            sp.GetRequiredService<IToolStore>(),
            sp.GetRequiredService<IToolCatalog>(),
            sp.GetRequiredService<IToolCatalogWriter>(),
            sp.GetRequiredService<IAuditSink>(),
            sp.GetRequiredService<RegistryChangeBus>(),
            sp.GetRequiredService<IOptions<ToolRegistryOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ToolRegistry>>(),
            sp.GetService<HybridCache>(),
            sp.GetRequiredService<RegistryTelemetry>()));
        services.AddHostedService<StartupImporter>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMsilMcpEndpointContributor, DiscoveryEndpoints>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMsilMcpEndpointContributor, RegistryAdminEndpoints>());
        services.TryAddSingleton<IChangeStagingView>(static sp => sp.GetRequiredService<ToolRegistry>());
        services.TryAddSingleton(static sp => new AdminToolIndex(sp.GetRequiredService<IToolCatalog>(), sp.GetRequiredService<ToolRegistry>(), sp.GetService<IChangeStagingView>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMsilMcpEndpointContributor, ChangeEndpoints>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMsilMcpEndpointContributor, AdminToolEndpoints>());
    }
}
