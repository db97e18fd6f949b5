using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Msil.Mcp.RateLimiting;

/// <summary>
/// The rate limiter's Redis connection (<see cref="MsilRedisConnection"/>), made from
/// <see cref="RateLimitOptions.RedisConnectionString"/> on first use and disposed with the host, configured to fail fast
/// (<see cref="MsilRedisConfiguration"/>) so that a call falls back to memory at once.
/// </summary>
internal sealed class RateLimitRedisConnection(IOptions<RateLimitOptions> options) : IAsyncDisposable
{
    private readonly MsilRedisConnection _connection = new(async _ =>
    {
        var o = options.Value;
        return await ConnectionMultiplexer.ConnectAsync(MsilRedisConfiguration.Create(o.RedisConnectionString!, o.RedisTimeout, "msil-mcp-ratelimit", o.RedisCaCertificatePath)).ConfigureAwait(false);
    });

    public ValueTask<IDatabase> GetDatabaseAsync(CancellationToken cancellationToken) => _connection.GetDatabaseAsync(cancellationToken);

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
