using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.RateLimiting;
using Msil.Mcp.Redis;
using Msil.Mcp.Tasks;

namespace Msil.Mcp.Hosting;

/// <summary>
/// Refuses, in a Production host, a core Redis connection (the shared one, the Data Protection key ring, the rate-limit store, the task
/// store) without TLS and a password (seed §8.2), unless its <c>AllowInsecureRedis</c> (<c>Msil:Mcp:Redis:AllowInsecure</c>) is set, which is logged as a warning.
/// Outside Production, and without a registered host environment (a bare service collection), nothing is checked.
/// </summary>
internal sealed class ProductionTransportValidator(IHostEnvironment? environment = null, ILogger<ProductionTransportValidator>? logger = null)
    : IValidateOptions<MsilMcpOptions>, IValidateOptions<RateLimitOptions>, IValidateOptions<ToolTaskOptions>, IValidateOptions<MsilMcpRedisOptions>
{
    private readonly ILogger _logger = logger ?? NullLogger<ProductionTransportValidator>.Instance;

    private bool IsProduction => environment?.IsProduction() ?? false;

    public ValidateOptionsResult Validate(string? name, MsilMcpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Check(options.KeyRingRedisConnectionString, options.AllowInsecureRedis, "Msil:Mcp:KeyRingRedisConnectionString", "Msil:Mcp:AllowInsecureRedis");
    }

    public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Store == RateLimitStoreKind.Redis
            ? Check(options.RedisConnectionString, options.AllowInsecureRedis, "Msil:Mcp:RateLimit:RedisConnectionString", "Msil:Mcp:RateLimit:AllowInsecureRedis")
            : ValidateOptionsResult.Skip;
    }

    public ValidateOptionsResult Validate(string? name, ToolTaskOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Check(options.RedisConnectionString, options.AllowInsecureRedis, "Msil:Mcp:Tasks:RedisConnectionString", "Msil:Mcp:Tasks:AllowInsecureRedis");
    }

    public ValidateOptionsResult Validate(string? name, MsilMcpRedisOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.ConnectionString) || !IsProduction)
        {
            return ValidateOptionsResult.Skip;
        }

        const string Key = "Msil:Mcp:Redis:ConnectionString";
        const string AllowKey = "Msil:Mcp:Redis:AllowInsecure";
        string? error;
        try
        {
            error = RedisTransport.CheckTls(RedisRegistration.CreateConfiguration(options), Key, AllowKey);
        }
        catch (ArgumentException)
        {
            return ValidateOptionsResult.Skip; // the options validator reports it
        }

        if (error is null)
        {
            return ValidateOptionsResult.Skip;
        }

        if (options.AllowInsecure)
        {
            Log.InsecureRedisAllowed(_logger, Key, AllowKey);
            return ValidateOptionsResult.Skip;
        }

        return ValidateOptionsResult.Fail(error);
    }

    private ValidateOptionsResult Check(string? connectionString, bool allowInsecure, string key, string allowKey)
        => ProductionTransportRules.Validate(environment, RedisTransport.Rule(connectionString, key, allowInsecure, allowKey, (k, a) => Log.InsecureRedisAllowed(_logger, k, a)));
}
