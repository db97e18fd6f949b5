using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Msil.Mcp.Auth.Validation;

/// <summary>The Redis connection for the shared JWKS cache, opened on first use; <see langword="null"/> when none is configured.</summary>
internal sealed class AuthRedis(IOptions<MsilAuthOptions> options) : IDisposable
{
    private readonly Lazy<ConnectionMultiplexer?> _connection = new(() =>
    {
        var connectionString = options.Value.RedisConnectionString;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return null;
        }

        return ConnectionMultiplexer.Connect(MsilRedisConfiguration.Create(connectionString, TimeSpan.FromSeconds(5), "msil-mcp-auth"));
    });

    public IDatabase? Database() => _connection.Value?.GetDatabase();

    public void Dispose()
    {
        if (_connection.IsValueCreated)
        {
            _connection.Value?.Dispose();
        }
    }
}
