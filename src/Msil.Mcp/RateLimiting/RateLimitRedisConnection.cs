using Microsoft.Extensions.Options;
using Msil.Mcp.Connections;
using StackExchange.Redis;

namespace Msil.Mcp.RateLimiting;

/// <summary>
/// The rate limiter's Redis connection, resolved on first use (<see cref="MsilRedisConnections"/>):
/// <see cref="RateLimitOptions.RedisConnectionString"/> when set (a second keyed connection, <see cref="ServiceKey"/>),
/// else the shared <c>Msil:Mcp:Redis</c> one, else the host's own. Every one is configured to fail fast
/// (<see cref="MsilRedisConfiguration"/>), so that a call falls back to memory at once; the container owns it.
/// </summary>
internal sealed class RateLimitRedisConnection(IOptions<RateLimitOptions> options, IServiceProvider services) : IAsyncDisposable
{
    /// <summary>The service key of the connection made from <see cref="RateLimitOptions.RedisConnectionString"/>.</summary>
    public const string ServiceKey = "msil-mcp-ratelimit";

    private readonly MsilRedisConnection _connection = MsilRedisConnections.Holder(
        services,
        () => options.Value.RedisConnectionString,
        ServiceKey,
        "Msil:Mcp:RateLimit:Store is Redis but no Redis connection is configured: set Msil:Mcp:Redis:ConnectionString (or Msil:Mcp:RateLimit:RedisConnectionString), or register an IConnectionMultiplexer.");

    public ValueTask<IDatabase> GetDatabaseAsync(CancellationToken cancellationToken) => _connection.GetDatabaseAsync(cancellationToken);

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    /// <summary>Registers the keyed connection of <see cref="RateLimitOptions.RedisConnectionString"/>.</summary>
    public static void AddOverride(Microsoft.Extensions.DependencyInjection.IServiceCollection services)
        => MsilRedisConnections.AddOverride(services, ServiceKey, static sp =>
        {
            var o = ((IOptions<RateLimitOptions>)sp.GetService(typeof(IOptions<RateLimitOptions>))!).Value;
            return string.IsNullOrWhiteSpace(o.RedisConnectionString)
                ? null
                : MsilRedisConfiguration.Create(o.RedisConnectionString, o.RedisTimeout, "msil-mcp-ratelimit", o.RedisCaCertificatePath);
        });
}
