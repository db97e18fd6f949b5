using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Elevation;

/// <summary>
/// Refuses, in a Production host, a Redis connection (<c>Msil:Mcp:Elevation:RedisConnectionString</c>) without TLS and a password (seed §8.2), unless
/// <c>Msil:Mcp:Elevation:AllowInsecureRedis</c> is true, which is logged as a warning (<see cref="ProductionTransportRules"/>).
/// </summary>
internal sealed class ElevationTransportValidator(IHostEnvironment? environment = null, ILogger<ElevationTransportValidator>? logger = null) : IValidateOptions<ElevationOptions>
{
    private readonly ILogger _logger = logger ?? NullLogger<ElevationTransportValidator>.Instance;

    public ValidateOptionsResult Validate(string? name, ElevationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ProductionTransportRules.Validate(
            environment,
            RedisTransport.Rule(options.RedisConnectionString, "Msil:Mcp:Elevation:RedisConnectionString", options.AllowInsecureRedis, "Msil:Mcp:Elevation:AllowInsecureRedis", (k, a) => Log.InsecureRedisAllowed(_logger, k, a)));
    }
}
