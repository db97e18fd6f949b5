using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Msil.Mcp;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Elevation;
using Msil.Mcp.Elevation.Redis;
using Msil.Mcp.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds just-in-time elevation for privileged tools.</summary>
public static class ElevationMsilMcpBuilderExtensions
{
    /// <summary>Adds elevation with the in-memory grant store.</summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static IMsilMcpBuilder AddElevation(this IMsilMcpBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddCore(builder); // no configure action: calling it twice adds nothing twice
        return builder;
    }

    /// <summary>Adds elevation configured in code.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IMsilMcpBuilder AddElevation(this IMsilMcpBuilder builder, Action<ElevationOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddCore(builder);
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>Adds elevation bound from <paramref name="section"/> (usually <c>Msil:Mcp:Elevation</c>).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="section">The configuration section.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IMsilMcpBuilder AddElevation(this IMsilMcpBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddCore(builder);
        builder.Services.AddOptions<ElevationOptions>().Bind(section);
        builder.AddConfigurationSection(section, typeof(ElevationOptions));
        return builder;
    }

    /// <summary>
    /// Replaces the grant store chosen by <see cref="ElevationOptions.Store"/> with one of the host's own. The store's
    /// <see cref="IElevationGrantStore.ConsumeAsync"/> must be atomic; a single-use grant it returns that does not fit
    /// the call is saved back.
    /// </summary>
    /// <typeparam name="TStore">The store type; registered as a singleton.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static IMsilMcpBuilder UseElevationGrantStore<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TStore>(this IMsilMcpBuilder builder)
        where TStore : class, IElevationGrantStore
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<IElevationGrantStore>();
        builder.Services.AddSingleton<IElevationGrantStore, TStore>();
        return builder;
    }

    private static void AddCore(IMsilMcpBuilder builder)
    {
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(ElevationGate)))
        {
            return;
        }

        services.AddOptionsWithValidateOnStart<ElevationOptions, ElevationOptionsAnnotationsValidator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ElevationOptions>, ElevationOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ElevationOptions>, ElevationTransportValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddHttpContextAccessor();
        services.TryAddSingleton<ElevationTelemetry>();
        services.TryAddSingleton<InMemoryElevationGrantStore>();
        ElevationRedisConnection.AddOverride(services);
        services.TryAddSingleton<ElevationRedisConnection>();
        services.TryAddSingleton<RedisElevationGrantStore>();
        services.TryAddSingleton<IElevationGrantStore>(static sp => sp.GetRequiredService<IOptions<ElevationOptions>>().Value.Store == ElevationGrantStoreKind.Redis
            ? sp.GetRequiredService<RedisElevationGrantStore>()
            : sp.GetRequiredService<InMemoryElevationGrantStore>());
        services.TryAddSingleton<InMemoryElevationRequestStore>();
        services.TryAddSingleton<RedisElevationRequestStore>();
        services.TryAddSingleton<IElevationRequestStore>(static sp => sp.GetRequiredService<IOptions<ElevationOptions>>().Value.Store == ElevationGrantStoreKind.Redis
            ? sp.GetRequiredService<RedisElevationRequestStore>()
            : sp.GetRequiredService<InMemoryElevationRequestStore>());
        services.TryAddSingleton<ElevationGate>();
        services.RemoveAll<IElevationGate>();
        services.AddSingleton<IElevationGate>(static sp => sp.GetRequiredService<ElevationGate>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMsilMcpEndpointContributor, ElevationEndpoints>());

        // "ready" = MsilMcpHealthEndpoints.ReadyTag: reported by /health/ready (degraded, never unhealthy, when Redis is down).
        services.AddHealthChecks().AddCheck<ElevationStoreHealthCheck>(ElevationStoreHealthCheck.Name, tags: [Microsoft.AspNetCore.Builder.MsilMcpHealthEndpoints.ReadyTag, ElevationTelemetry.Name]);
    }
}
