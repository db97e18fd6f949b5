using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Msil.Mcp.Connections;
using StackExchange.Redis;

namespace Msil.Mcp.Elevation.Redis;

/// <summary>
/// The Redis connection of the grant and request stores, resolved on first use (<see cref="MsilRedisConnections"/>):
/// <see cref="ElevationOptions.RedisConnectionString"/>'s keyed connection (<see cref="ServiceKey"/>) when set, else the
/// shared <c>Msil:Mcp:Redis</c> one, else the host's own <see cref="IConnectionMultiplexer"/>. Every connection the
/// packages make favours failing fast (short timeouts, no abort on a failed first connect, no queue of commands while
/// disconnected) and is owned by the container.
/// </summary>
internal sealed class ElevationRedisConnection(IOptions<ElevationOptions> options, IServiceProvider services) : IAsyncDisposable, IDisposable
{
    /// <summary>The service key of the connection made from <see cref="ElevationOptions.RedisConnectionString"/>.</summary>
    public const string ServiceKey = "msil-mcp-elevation";

    private readonly MsilRedisConnection _connection = MsilRedisConnections.Holder(
        services,
        () => options.Value.RedisConnectionString,
        ServiceKey,
        "Msil:Mcp:Elevation:Store is Redis but no Redis connection is configured: set Msil:Mcp:Redis:ConnectionString (or Msil:Mcp:Elevation:RedisConnectionString), or register an IConnectionMultiplexer.");

    public ValueTask<IDatabase> GetDatabaseAsync(CancellationToken cancellationToken) => _connection.GetDatabaseAsync(cancellationToken);

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    public void Dispose() => _connection.Dispose();

    /// <summary>Registers the keyed connection of <see cref="ElevationOptions.RedisConnectionString"/>.</summary>
    public static void AddOverride(IServiceCollection services)
        => MsilRedisConnections.AddOverride(services, ServiceKey, static sp =>
        {
            var o = sp.GetRequiredService<IOptions<ElevationOptions>>().Value;
            return string.IsNullOrWhiteSpace(o.RedisConnectionString)
                ? null
                : MsilRedisConfiguration.Create(o.RedisConnectionString, o.RedisTimeout, "msil-mcp-elevation", o.RedisCaCertificatePath);
        });
}
