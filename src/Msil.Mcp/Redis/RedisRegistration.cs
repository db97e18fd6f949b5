using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Msil.Mcp.Connections;
using Msil.Mcp.Hosting;
using StackExchange.Redis;

namespace Msil.Mcp.Redis;

/// <summary>Registers the one shared Redis connection (<c>Msil:Mcp:Redis</c>), its validation and its health check.</summary>
internal static class RedisRegistration
{
    public static void AddSharedRedis(IServiceCollection services)
    {
        services.AddOptions<MsilMcpRedisOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MsilMcpRedisOptions>, MsilMcpRedisOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MsilMcpRedisOptions>, ProductionTransportValidator>());

        // A host that registered its own connection under the key (Aspire's AddKeyedRedisClient) keeps it.
        services.TryAddKeyedSingleton<IConnectionMultiplexer>(MsilRedisConnections.SharedKey, static (sp, _) =>
        {
            var options = sp.GetRequiredService<IOptions<MsilMcpRedisOptions>>().Value;
            return MsilRedisConnections.Connect(string.IsNullOrWhiteSpace(options.ConnectionString) ? null : CreateConfiguration(options))!;
        });
        services.AddHealthChecks().AddCheck<RedisHealthCheck>(RedisHealthCheck.Name, tags: [Microsoft.AspNetCore.Builder.MsilMcpHealthEndpoints.ReadyTag, MsilMcpTelemetry.CoreName]);
    }

    /// <summary>The client configuration of the shared connection: the connection string with the section's overrides.</summary>
    public static ConfigurationOptions CreateConfiguration(MsilMcpRedisOptions options)
    {
        var configuration = MsilRedisConfiguration.Create(options.ConnectionString!, options.Timeout, options.ClientName, options.CaCertificatePath);
        if (!string.IsNullOrEmpty(options.User))
        {
            configuration.User = options.User;
        }

        if (!string.IsNullOrEmpty(options.Password))
        {
            configuration.Password = options.Password;
        }

        if (options.Ssl is { } ssl)
        {
            configuration.Ssl = ssl;
        }

        return configuration;
    }
}
