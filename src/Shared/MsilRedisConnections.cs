using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;

namespace Msil.Mcp.Connections;

/// <summary>
/// Where every Msil.Mcp package takes its Redis connection from (no package connects by itself): the package's own
/// connection-string key when set (a second keyed connection, registered by the package through
/// <see cref="AddOverride"/>), else the shared connection keyed <see cref="SharedKey"/> (<c>Msil:Mcp:Redis</c>,
/// registered by the core, or by the host under the same key), else, where the package allows it, the host's own
/// unkeyed <see cref="IConnectionMultiplexer"/>. Every connection is made by the container on first use and disposed
/// with it; the packages never dispose one.
/// </summary>
internal static class MsilRedisConnections
{
    /// <summary>The service key of the shared connection (<c>MsilMcpRedisOptions.ServiceKey</c>).</summary>
    public const string SharedKey = "msil-mcp-redis";

    /// <summary>
    /// Registers, under <paramref name="serviceKey"/>, the connection of a package's own connection-string key. The
    /// factory returns <see langword="null"/> (no connection) when <paramref name="configure"/> does.
    /// </summary>
    public static void AddOverride(IServiceCollection services, string serviceKey, Func<IServiceProvider, ConfigurationOptions?> configure)
        => services.TryAddKeyedSingleton<IConnectionMultiplexer>(serviceKey, (sp, _) => Connect(configure(sp))!);

    /// <summary>Connects (the configuration does not abort on a failed first connect: the client keeps trying in the background).</summary>
    public static IConnectionMultiplexer? Connect(ConfigurationOptions? configuration)
        => configuration is null ? null : ConnectionMultiplexer.Connect(configuration);

    /// <summary>
    /// Returns the connection a package uses: its own keyed one when <paramref name="ownConnectionString"/> is set and
    /// differs from nothing shared, else the shared one, else (when <paramref name="hostFallback"/>) the host's unkeyed
    /// one; <see langword="null"/> when there is none.
    /// </summary>
    public static IConnectionMultiplexer? Resolve(IServiceProvider services, string? ownConnectionString, string ownServiceKey, bool hostFallback = true)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!string.IsNullOrWhiteSpace(ownConnectionString))
        {
            return services.GetKeyedService<IConnectionMultiplexer>(ownServiceKey);
        }

        return services.GetKeyedService<IConnectionMultiplexer>(SharedKey)
            ?? (hostFallback ? services.GetService<IConnectionMultiplexer>() : null);
    }

    /// <summary>Gets whether a connection would be found by <see cref="Resolve"/> without connecting when possible.</summary>
    public static bool IsAvailable(IServiceProvider services, string? ownConnectionString, bool hostFallback = true)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!string.IsNullOrWhiteSpace(ownConnectionString))
        {
            return true;
        }

        return services.GetKeyedService<IConnectionMultiplexer>(SharedKey) is not null
            || (hostFallback && services.GetService<IServiceProviderIsService>()?.IsService(typeof(IConnectionMultiplexer)) == true);
    }

    /// <summary>
    /// A holder that resolves the connection on first use (outside the constructor, so that building the service does
    /// not connect) and does not own it.
    /// </summary>
    public static MsilRedisConnection Holder(IServiceProvider services, Func<string?> ownConnectionString, string ownServiceKey, string missing, bool hostFallback = true)
        => new(_ => Task.Run(() => Resolve(services, ownConnectionString(), ownServiceKey, hostFallback) ?? throw new InvalidOperationException(missing)), ownsConnection: false);
}
