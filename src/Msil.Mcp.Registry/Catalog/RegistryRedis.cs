using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Msil.Mcp.Registry.Catalog;

/// <summary>
/// The registry's Redis connection: made from <c>Msil:Mcp:Registry:Redis</c> (owned, disposed with the host), or the
/// host's own <see cref="IConnectionMultiplexer"/>; absent when neither is there (single instance).
/// </summary>
internal sealed class RegistryRedis(IOptions<ToolRegistryOptions> options, IServiceProvider services, ILogger<RegistryRedis> logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private IConnectionMultiplexer? _connection;
    private bool _owned;

    /// <summary>Gets whether Redis is configured at all.</summary>
    public bool Configured => !string.IsNullOrWhiteSpace(options.Value.Redis) || services.GetService<IConnectionMultiplexer>() is not null;

    public async Task<IConnectionMultiplexer?> GetAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _connection) is { } existing)
        {
            return existing;
        }

        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connection is null)
            {
                var text = options.Value.Redis;
                if (string.IsNullOrWhiteSpace(text))
                {
                    _connection = services.GetService<IConnectionMultiplexer>();
                }
                else
                {
                    var configuration = MsilRedisConfiguration.Create(text, TimeSpan.FromSeconds(5), "msil-mcp-registry");
                    _connection = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
                    _owned = true;
                    Log.RedisConnected(logger, _connection.IsConnected);
                }
            }

            return _connection;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_owned && _connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }

        _connection = null;
        _connectLock.Dispose();
    }
}
