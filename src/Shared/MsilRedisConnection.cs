using StackExchange.Redis;

namespace Msil.Mcp.Connections;

/// <summary>
/// A Redis connection made on first use and, when owned, disposed with its owner: the one connection holder of the
/// Msil.Mcp packages (rate limits, tasks, elevation grants). A failed connect is not kept: the next use tries again.
/// One multiplexed connection serves every call (StackExchange.Redis pipelines commands; there is no pool to size).
/// </summary>
internal sealed class MsilRedisConnection : IAsyncDisposable, IDisposable
{
    private readonly Func<CancellationToken, Task<IConnectionMultiplexer>> _connect;
    private readonly bool _ownsConnection;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private IConnectionMultiplexer? _connection;
    private bool _disposed;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="connect">Makes the connection (typically <c>ConnectionMultiplexer.ConnectAsync(MsilRedisConfiguration.Create(…))</c>, then any subscription); called again after a failure.</param>
    /// <param name="ownsConnection">Whether disposing this instance disposes the connection (<see langword="false"/> for a connection the host owns).</param>
    public MsilRedisConnection(Func<CancellationToken, Task<IConnectionMultiplexer>> connect, bool ownsConnection = true)
    {
        ArgumentNullException.ThrowIfNull(connect);
        _connect = connect;
        _ownsConnection = ownsConnection;
    }

    /// <summary>Gets whether a connection has been made.</summary>
    public bool IsCreated => Volatile.Read(ref _connection) is not null;

    /// <summary>Returns the connection, making it on first use.</summary>
    /// <param name="cancellationToken">Cancels waiting for another caller's connect.</param>
    /// <returns>The connection.</returns>
    /// <exception cref="ObjectDisposedException">This instance is disposed.</exception>
    public async ValueTask<IConnectionMultiplexer> GetConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = Volatile.Read(ref _connection);
        if (connection is not null)
        {
            return connection;
        }

        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is null)
            {
                Volatile.Write(ref _connection, await _connect(cancellationToken).ConfigureAwait(false));
            }

            return _connection!;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    /// <summary>Returns the default database of the connection, making the connection on first use.</summary>
    /// <param name="cancellationToken">Cancels waiting for another caller's connect.</param>
    /// <returns>The database.</returns>
    public async ValueTask<IDatabase> GetDatabaseAsync(CancellationToken cancellationToken)
        => (await GetConnectionAsync(cancellationToken).ConfigureAwait(false)).GetDatabase();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _connectLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            if (_ownsConnection && _connection is not null)
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

    /// <inheritdoc />
    public void Dispose()
    {
        _connectLock.Wait();
        try
        {
            _disposed = true;
            if (_ownsConnection)
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
