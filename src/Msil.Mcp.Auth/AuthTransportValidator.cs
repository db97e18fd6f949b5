using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Auth;

/// <summary>
/// Refuses, in a Production host, a Redis connection (<c>Msil:Mcp:Auth:RedisConnectionString</c>) without TLS and a password (seed §8.2), unless
/// <c>Msil:Mcp:Auth:AllowInsecureRedis</c> is true, which is logged as a warning (<see cref="ProductionTransportRules"/>).
/// </summary>
internal sealed class AuthTransportValidator(IHostEnvironment? environment = null, ILogger<AuthTransportValidator>? logger = null) : IValidateOptions<MsilAuthOptions>
{
    private readonly ILogger _logger = logger ?? NullLogger<AuthTransportValidator>.Instance;

    public ValidateOptionsResult Validate(string? name, MsilAuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ProductionTransportRules.Validate(
            environment,
            RedisTransport.Rule(options.RedisConnectionString, "Msil:Mcp:Auth:RedisConnectionString", options.AllowInsecureRedis, "Msil:Mcp:Auth:AllowInsecureRedis", (k, a) => Log.InsecureRedisAllowed(_logger, k, a)));
    }
}
