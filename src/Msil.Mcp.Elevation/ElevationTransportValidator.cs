using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Elevation;

/// <summary>
/// Refuses, in a Production host, a Redis connection (<c>Msil:Mcp:Elevation:RedisConnectionString</c>) without TLS and a password (seed §8.2), unless the matching <c>AllowInsecure…</c> setting is true, which is logged as
/// a warning. Outside Production, and without a registered host environment (a bare service collection), nothing is checked.
/// </summary>
internal sealed class ElevationTransportValidator(IHostEnvironment? environment = null, ILogger<ElevationTransportValidator>? logger = null) : IValidateOptions<ElevationOptions>
{
    private readonly ILogger _logger = logger ?? NullLogger<ElevationTransportValidator>.Instance;

    public ValidateOptionsResult Validate(string? name, ElevationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(environment?.IsProduction() ?? false))
        {
            return ValidateOptionsResult.Skip;
        }

        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.RedisConnectionString) && RedisTransport.CheckTls(options.RedisConnectionString, "Msil:Mcp:Elevation:RedisConnectionString", "Msil:Mcp:Elevation:AllowInsecureRedis") is { } error)
        {
            if (options.AllowInsecureRedis)
            {
                Log.InsecureRedisAllowed(_logger, "Msil:Mcp:Elevation:RedisConnectionString", "Msil:Mcp:Elevation:AllowInsecureRedis");
            }
            else
            {
                errors.Add(error);
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Skip : ValidateOptionsResult.Fail(errors);
    }
}
