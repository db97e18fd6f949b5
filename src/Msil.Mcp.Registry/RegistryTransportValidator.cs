using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Registry;

/// <summary>
/// Refuses, in a Production host, a PostgreSQL store without TLS (seed §8.1) and a Redis connection without TLS and a password (seed §8.2), unless the matching <c>AllowInsecure…</c> setting is true, which is logged as
/// a warning. Outside Production, and without a registered host environment (a bare service collection), nothing is checked.
/// </summary>
internal sealed class RegistryTransportValidator(IHostEnvironment? environment = null, ILogger<RegistryTransportValidator>? logger = null) : IValidateOptions<ToolRegistryOptions>
{
    private readonly ILogger _logger = logger ?? NullLogger<RegistryTransportValidator>.Instance;

    public ValidateOptionsResult Validate(string? name, ToolRegistryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(environment?.IsProduction() ?? false))
        {
            return ValidateOptionsResult.Skip;
        }

        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.Store == ToolStoreKind.PostgreSql ? options.ConnectionString : null) && PostgreSqlTransport.CheckTls(options.Store == ToolStoreKind.PostgreSql ? options.ConnectionString : null, options.SslMode, "Msil:Mcp:Registry:ConnectionString", "Msil:Mcp:Registry:AllowInsecurePostgreSql") is { } pgError)
        {
            if (options.AllowInsecurePostgreSql)
            {
                Log.InsecurePostgreSqlAllowed(_logger, "Msil:Mcp:Registry:ConnectionString", "Msil:Mcp:Registry:AllowInsecurePostgreSql");
            }
            else
            {
                errors.Add(pgError);
            }
        }
        if (!string.IsNullOrWhiteSpace(options.Redis) && RedisTransport.CheckTls(options.Redis, "Msil:Mcp:Registry:Redis", "Msil:Mcp:Registry:AllowInsecureRedis") is { } redisError)
        {
            if (options.AllowInsecureRedis)
            {
                Log.InsecureRedisAllowed(_logger, "Msil:Mcp:Registry:Redis", "Msil:Mcp:Registry:AllowInsecureRedis");
            }
            else
            {
                errors.Add(redisError);
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Skip : ValidateOptionsResult.Fail(errors);
    }
}
