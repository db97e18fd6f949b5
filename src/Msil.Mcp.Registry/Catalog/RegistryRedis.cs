using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Msil.Mcp.Connections;
using StackExchange.Redis;

namespace Msil.Mcp.Registry.Catalog;

/// <summary>
/// The registry's Redis connection (catalog invalidation over pub/sub and the catalog cache's second level), resolved on
/// first use (<see cref="MsilRedisConnections"/>): <c>Msil:Mcp:Registry:Redis</c>'s keyed connection when set, else the
/// shared <c>Msil:Mcp:Redis</c> one, else the host's own <see cref="IConnectionMultiplexer"/>; absent when there is none
/// (single instance). The container owns the connection.
/// </summary>
internal sealed class RegistryRedis : IAsyncDisposable
{
    /// <summary>The service key of the connection made from <c>Msil:Mcp:Registry:Redis</c>.</summary>
    public const string ServiceKey = "msil-mcp-registry";

    private readonly MsilRedisConnection? _connection;

    public RegistryRedis(IOptions<ToolRegistryOptions> options, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        var text = options.Value.Redis;
        if (MsilRedisConnections.IsAvailable(services, text))
        {
            _connection = MsilRedisConnections.Holder(services, () => text, ServiceKey, "The registry's Redis connection is not configured.");
        }
    }

    /// <summary>Gets whether Redis is configured at all.</summary>
    public bool Configured => _connection is not null;

    /// <summary>Returns the connection, made on first use, or <see langword="null"/> when Redis is not configured.</summary>
    public async Task<IConnectionMultiplexer?> GetAsync(CancellationToken cancellationToken = default)
        => _connection is null ? null : await _connection.GetConnectionAsync(cancellationToken).ConfigureAwait(false);

    public ValueTask DisposeAsync() => _connection?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>Registers the keyed connection of <c>Msil:Mcp:Registry:Redis</c>.</summary>
    public static void AddOverride(IServiceCollection services)
        => MsilRedisConnections.AddOverride(services, ServiceKey, static sp =>
        {
            var text = sp.GetRequiredService<IOptions<ToolRegistryOptions>>().Value.Redis;
            return string.IsNullOrWhiteSpace(text) ? null : MsilRedisConfiguration.Create(text, TimeSpan.FromSeconds(5), "msil-mcp-registry");
        });
}
