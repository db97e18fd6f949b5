using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Msil.Mcp.Registry.Catalog;

/// <summary>
/// The registry's Redis connection: made from <c>Msil:Mcp:Registry:Redis</c> (owned, disposed with the host), or the
/// host's own <see cref="IConnectionMultiplexer"/>; absent when neither is there (single instance).
/// </summary>
internal sealed class RegistryRedis : IAsyncDisposable
{
    private readonly MsilRedisConnection? _connection;

    public RegistryRedis(IOptions<ToolRegistryOptions> options, IServiceProvider services, ILogger<RegistryRedis> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        var text = options.Value.Redis;
        if (!string.IsNullOrWhiteSpace(text))
        {
            _connection = new MsilRedisConnection(async _ =>
            {
                var made = await ConnectionMultiplexer.ConnectAsync(MsilRedisConfiguration.Create(text, TimeSpan.FromSeconds(5), "msil-mcp-registry")).ConfigureAwait(false);
                Log.RedisConnected(logger, made.IsConnected);
                return made;
            });
        }
        else if (services.GetService<IConnectionMultiplexer>() is { } hosts)
        {
            _connection = new MsilRedisConnection(_ => Task.FromResult(hosts), ownsConnection: false);
        }
    }

    /// <summary>Gets whether Redis is configured at all.</summary>
    public bool Configured => _connection is not null;

    /// <summary>Returns the connection, made on first use, or <see langword="null"/> when Redis is not configured.</summary>
    public async Task<IConnectionMultiplexer?> GetAsync(CancellationToken cancellationToken = default)
        => _connection is null ? null : await _connection.GetConnectionAsync(cancellationToken).ConfigureAwait(false);

    public ValueTask DisposeAsync() => _connection?.DisposeAsync() ?? ValueTask.CompletedTask;
}
