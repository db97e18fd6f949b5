using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Msil.Mcp.Connections;
using StackExchange.Redis;

namespace Msil.Mcp.Auth.Validation;

/// <summary>
/// The Redis connection of the shared JWKS cache, resolved on first use (<see cref="MsilRedisConnections"/>):
/// <c>Msil:Mcp:Auth:RedisConnectionString</c>'s keyed connection when set, else the shared <c>Msil:Mcp:Redis</c> one;
/// <see langword="null"/> when neither is configured. The container owns the connection.
/// </summary>
internal sealed class AuthRedis(IOptions<MsilAuthOptions> options, IServiceProvider services)
{
    /// <summary>The service key of the connection made from <c>Msil:Mcp:Auth:RedisConnectionString</c>.</summary>
    public const string ServiceKey = "msil-mcp-auth";

    private readonly Lazy<IConnectionMultiplexer?> _connection = new(() => MsilRedisConnections.Resolve(services, options.Value.RedisConnectionString, ServiceKey, hostFallback: false));

    public IDatabase? Database() => _connection.Value?.GetDatabase();

    /// <summary>Registers the keyed connection of <c>Msil:Mcp:Auth:RedisConnectionString</c>.</summary>
    public static void AddOverride(IServiceCollection services)
        => MsilRedisConnections.AddOverride(services, ServiceKey, static sp =>
        {
            var text = sp.GetRequiredService<IOptions<MsilAuthOptions>>().Value.RedisConnectionString;
            return string.IsNullOrWhiteSpace(text) ? null : MsilRedisConfiguration.Create(text, TimeSpan.FromSeconds(5), "msil-mcp-auth");
        });
}
