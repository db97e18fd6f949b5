using Microsoft.Extensions.Options;
using Msil.Mcp.Connections;

namespace Msil.Mcp.RateLimiting;

/// <summary>Checks the rate limits at start; each message names the key.</summary>
internal sealed class RateLimitOptionsValidator(
    IOptions<Msil.Mcp.Redis.MsilMcpRedisOptions>? shared = null,
    Microsoft.Extensions.DependencyInjection.IServiceProviderIsService? isService = null) : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
    {
        var errors = new List<string>();
        Check(options.PerUser, "PerUser");
        Check(options.Read, "Read");
        Check(options.Write, "Write");
        Check(options.Privileged, "Privileged");
        if (string.IsNullOrWhiteSpace(options.KeyPrefix))
        {
            errors.Add("Msil:Mcp:RateLimit:KeyPrefix is empty; the seed's layout uses 'msil:rl:'.");
        }

        if (options.Store is not (RateLimitStoreKind.Memory or RateLimitStoreKind.Redis))
        {
            errors.Add("Msil:Mcp:RateLimit:Store must be Memory or Redis.");
        }
        else if (options.Store == RateLimitStoreKind.Redis)
        {
            CheckRedis(options, errors);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);

        void Check(RateLimitRule rule, string key)
        {
            if (rule.PermitsPerMinute < 1)
            {
                errors.Add($"Msil:Mcp:RateLimit:{key}:PermitsPerMinute must be at least 1 (set Msil:Mcp:RateLimit:Enabled=false to turn limits off).");
            }

            if (rule.Burst < 1)
            {
                errors.Add($"Msil:Mcp:RateLimit:{key}:Burst must be at least 1.");
            }
        }
    }

    private void CheckRedis(RateLimitOptions options, List<string> errors)
    {
        if (options.RedisTimeout <= TimeSpan.Zero || options.RedisTimeout > TimeSpan.FromSeconds(30))
        {
            errors.Add("Msil:Mcp:RateLimit:RedisTimeout must be greater than 00:00:00 and at most 00:00:30.");
        }

        if (!string.IsNullOrWhiteSpace(options.RedisCaCertificatePath) && !File.Exists(options.RedisCaCertificatePath))
        {
            errors.Add($"Msil:Mcp:RateLimit:RedisCaCertificatePath '{options.RedisCaCertificatePath}' does not exist.");
        }

        if (string.IsNullOrWhiteSpace(options.RedisConnectionString))
        {
            // The shared connection (Msil:Mcp:Redis) or the host's own IConnectionMultiplexer serves the buckets.
            if (string.IsNullOrWhiteSpace(shared?.Value.ConnectionString) && isService?.IsService(typeof(StackExchange.Redis.IConnectionMultiplexer)) != true)
            {
                errors.Add("Msil:Mcp:RateLimit:Store is Redis but no Redis connection is configured: set Msil:Mcp:Redis:ConnectionString (for example 'redis:6379,password=…,ssl=true'), register an IConnectionMultiplexer, or set Store to Memory.");
            }

            return;
        }

        try
        {
            if (MsilRedisConfiguration.Create(options.RedisConnectionString, TimeSpan.FromSeconds(5), "msil-mcp-ratelimit").EndPoints.Count == 0)
            {
                errors.Add("Msil:Mcp:RateLimit:RedisConnectionString names no server (host:port).");
            }
        }
        catch (ArgumentException)
        {
            errors.Add("Msil:Mcp:RateLimit:RedisConnectionString cannot be parsed; use the StackExchange.Redis form 'host:port,password=…,ssl=true'.");
        }
    }
}
