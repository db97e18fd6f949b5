using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Msil.Mcp.RateLimiting;

/// <summary>
/// The rate limiter's Redis connection, made from <see cref="RateLimitOptions.RedisConnectionString"/> on first use and
/// disposed with the host. One multiplexed connection serves every call (StackExchange.Redis pipelines commands; there
/// is no pool to size). Settings favour failing fast: short timeouts, no abort on a failed first connect (it reconnects
/// in the background) and no backlog of commands while disconnected, so a call falls back at once.
/// </summary>
internal sealed class RateLimitRedisConnection(IOptions<RateLimitOptions> options) : IAsyncDisposable
{
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private IConnectionMultiplexer? _connection;
    private bool _disposed;

    public async ValueTask<IDatabase> GetDatabaseAsync(CancellationToken cancellationToken)
    {
        var connection = Volatile.Read(ref _connection);
        if (connection is not null)
        {
            return connection.GetDatabase();
        }

        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is null)
            {
                var o = options.Value;
                var configuration = MsilRedisConfiguration.Create(o.RedisConnectionString!, o.RedisTimeout, "msil-mcp-ratelimit", o.RedisCaCertificatePath);
                Volatile.Write(ref _connection, await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false));
            }

            return _connection!.GetDatabase();
        }
        finally
        {
            _connectLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _connectLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            if (_connection is not null)
            {
                await _connection.DisposeAsync().ConfigureAwait(false);
            }

            _connection = null;
        }
        finally
        {
            _connectLock.Release();
        }
    }
}
