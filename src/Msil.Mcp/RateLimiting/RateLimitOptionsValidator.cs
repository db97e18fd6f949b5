using Microsoft.Extensions.Options;

namespace Msil.Mcp.RateLimiting;

/// <summary>Checks the rate limits at start; each message names the key.</summary>
internal sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
    {
        var errors = new List<string>();
        Check(options.PerUser, "PerUser");
        Check(options.Read, "Read");
        Check(options.Write, "Write");
        Check(options.Privileged, "Privileged");
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
}
