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
internal sealed class ElevationRedisConnection(IOptions<ElevationOptions> options, IServiceProvider services, ILogger<ElevationRedisConnection> logger) : IAsyncDisposable, IDisposable
{
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private IConnectionMultiplexer? _connection;
    private bool _owned;
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
                if (string.IsNullOrWhiteSpace(o.RedisConnectionString))
                {
                    Volatile.Write(ref _connection, services.GetService<IConnectionMultiplexer>()
                        ?? throw new InvalidOperationException("Msil:Mcp:Elevation:Store is Redis but neither Msil:Mcp:Elevation:RedisConnectionString is set nor an IConnectionMultiplexer is registered."));
                }
                else
                {
                    var configuration = MsilRedisConfiguration.Create(o.RedisConnectionString, o.RedisTimeout, "msil-mcp-elevation", o.RedisCaCertificatePath);
                    var made = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
                    _owned = true;
                    Volatile.Write(ref _connection, made);
                    Log.RedisConnecting(logger, made.IsConnected);
                }
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
            if (_owned && _connection is not null)
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

    public void Dispose()
    {
        _connectLock.Wait();
        try
        {
            _disposed = true;
            if (_owned)
            {
                _connection?.Dispose();
            }

            _connection = null;
        }
        finally
        {
            _connectLock.Release();
        }
    }
}
