using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Msil.Mcp.Connections;

namespace Msil.Mcp.Pipeline;

/// <summary>
/// Keeps the ASP.NET Core Data Protection key ring in one Redis list (<see cref="MsilMcpOptions.KeyRingRedisKey"/>)
/// through <c>Microsoft.AspNetCore.DataProtection.StackExchangeRedis</c>, so that every replica can verify the request
/// state another replica issued. The list's layout is that package's (one XML element per entry), the same as the
/// repository it replaces, so an existing key ring is read as it is. The connection is the shared one
/// (<c>Msil:Mcp:Redis</c>) or, when set, <see cref="MsilMcpOptions.KeyRingRedisConnectionString"/>'s keyed one; while
/// Redis is unreachable the key ring cannot be read and protected state is refused (fail closed), never weakened.
/// </summary>
internal static class KeyRingRedis
{
    /// <summary>The service key of the connection made from <see cref="MsilMcpOptions.KeyRingRedisConnectionString"/>.</summary>
    public const string ServiceKey = "msil-mcp-keyring";

    public static void AddOverride(IServiceCollection services)
        => MsilRedisConnections.AddOverride(services, ServiceKey, static sp =>
        {
            var o = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<MsilMcpOptions>>().Value;
            return string.IsNullOrWhiteSpace(o.KeyRingRedisConnectionString)
                ? null
                : MsilRedisConfiguration.Create(o.KeyRingRedisConnectionString, TimeSpan.FromSeconds(5), "msil-mcp-keyring");
        });

    public static void Configure(KeyManagementOptions keys, MsilMcpOptions options, IServiceProvider services)
    {
        var own = options.KeyRingRedisConnectionString;
        if (!MsilRedisConnections.IsAvailable(services, own, hostFallback: false))
        {
            return;
        }

        keys.XmlRepository = new RedisXmlRepository(
            () => (MsilRedisConnections.Resolve(services, own, ServiceKey, hostFallback: false)
                ?? throw new InvalidOperationException("The Data Protection key ring's Redis connection is gone.")).GetDatabase(),
            options.KeyRingRedisKey);
    }
}
