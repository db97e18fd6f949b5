using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Registry;

/// <summary>
/// Refuses, in a Production host, a PostgreSQL store without TLS (seed §8.1) and a Redis connection without TLS and a password (seed §8.2), unless the matching
/// <c>AllowInsecure…</c> setting is true, which is logged as a warning (<see cref="ProductionTransportRules"/>).
/// </summary>
internal sealed class RegistryTransportValidator(IHostEnvironment? environment = null, ILogger<RegistryTransportValidator>? logger = null) : IValidateOptions<ToolRegistryOptions>
{
    private readonly ILogger _logger = logger ?? NullLogger<RegistryTransportValidator>.Instance;

    public ValidateOptionsResult Validate(string? name, ToolRegistryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ProductionTransportRules.Validate(
            environment,
            PostgreSqlTransport.Rule(options.Store == ToolStoreKind.PostgreSql ? options.ConnectionString : null, options.SslMode, "Msil:Mcp:Registry:ConnectionString", options.AllowInsecurePostgreSql, "Msil:Mcp:Registry:AllowInsecurePostgreSql", (k, a) => Log.InsecurePostgreSqlAllowed(_logger, k, a)),
            RedisTransport.Rule(options.Redis, "Msil:Mcp:Registry:Redis", options.AllowInsecureRedis, "Msil:Mcp:Registry:AllowInsecureRedis", (k, a) => Log.InsecureRedisAllowed(_logger, k, a)));
    }
}
