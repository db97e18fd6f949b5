using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Msil.Mcp.Elevation.Redis;

/// <summary>
/// The Redis connection of the grant store: made from <see cref="ElevationOptions.RedisConnectionString"/> on first use
/// (and owned, so disposed with the host), or the host's own <see cref="IConnectionMultiplexer"/>. Settings favour
/// failing fast: short timeouts, no abort on a failed first connect (it reconnects in the background) and no queue of
/// commands while disconnected.
/// </summary>
internal sealed class ElevationRedisConnection : IAsyncDisposable, IDisposable
{
    private readonly MsilRedisConnection _connection;

    public ElevationRedisConnection(IOptions<ElevationOptions> options, IServiceProvider services, ILogger<ElevationRedisConnection> logger)
    {
        var o = options.Value;
        _connection = string.IsNullOrWhiteSpace(o.RedisConnectionString)
            ? new MsilRedisConnection(
                _ => Task.FromResult(services.GetService<IConnectionMultiplexer>()
                    ?? throw new InvalidOperationException("Msil:Mcp:Elevation:Store is Redis but neither Msil:Mcp:Elevation:RedisConnectionString is set nor an IConnectionMultiplexer is registered.")),
                ownsConnection: false)
            : new MsilRedisConnection(async _ =>
            {
                var configuration = MsilRedisConfiguration.Create(o.RedisConnectionString, o.RedisTimeout, "msil-mcp-elevation", o.RedisCaCertificatePath);
                var made = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
                Log.RedisConnecting(logger, made.IsConnected);
                return made;
            });
    }

    public ValueTask<IDatabase> GetDatabaseAsync(CancellationToken cancellationToken) => _connection.GetDatabaseAsync(cancellationToken);

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    public void Dispose() => _connection.Dispose();
}
