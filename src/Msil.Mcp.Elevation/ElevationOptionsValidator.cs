using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Msil.Mcp.Connections;
using StackExchange.Redis;

namespace Msil.Mcp.Elevation;

/// <summary>Checks the elevation options' DataAnnotations at start (source-generated; each attribute's message names the key and the fix).</summary>
[OptionsValidator]
internal sealed partial class ElevationOptionsAnnotationsValidator : IValidateOptions<ElevationOptions>;

/// <summary>Checks the elevation rules DataAnnotations cannot say; each message names the key and says how to fix it.</summary>
internal sealed class ElevationOptionsValidator(IHostEnvironment environment, IServiceProviderIsService services, IOptions<Msil.Mcp.Redis.MsilMcpRedisOptions>? shared = null) : IValidateOptions<ElevationOptions>
{
    private const string Section = ElevationOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, ElevationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.MaxGrantLifetime <= TimeSpan.Zero)
        {
            errors.Add($"{Section}MaxGrantLifetime must be positive: set a duration such as 01:00:00 (the seed's grants last one hour).");
        }

        if (options.DefaultGrantLifetime <= TimeSpan.Zero || options.DefaultGrantLifetime > options.MaxGrantLifetime)
        {
            errors.Add($"{Section}DefaultGrantLifetime must be positive and at most {Section}MaxGrantLifetime: lower it or raise the maximum.");
        }

        if (options.MaxClockSkew < TimeSpan.Zero || options.MaxClockSkew > TimeSpan.FromMinutes(10))
        {
            errors.Add($"{Section}MaxClockSkew must be between 00:00:00 and 00:10:00: set it within that range or remove it.");
        }

        ValidateTemplate(options.ElevationUrlTemplate, errors);
        if (options.PendingRequestLifetime < TimeSpan.FromMinutes(1) || options.PendingRequestLifetime > TimeSpan.FromDays(7))
        {
            errors.Add($"{Section}PendingRequestLifetime is {options.PendingRequestLifetime:c}: set it between 00:01:00 and 7.00:00:00 (default 01:00:00).");
        }

        if (options.EnableDevelopmentApprovalPage && !environment.IsDevelopment())
        {
            errors.Add($"{Section}EnableDevelopmentApprovalPage is true in the '{environment.EnvironmentName}' environment; the page approves anything and only runs in Development.");
        }

        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (scope, tools) in options.ScopeGroups)
        {
            if (string.IsNullOrWhiteSpace(scope))
            {
                errors.Add($"{Section}ScopeGroups has a group with an empty name.");
                continue;
            }

            foreach (var tool in tools ?? [])
            {
                if (string.IsNullOrWhiteSpace(tool))
                {
                    errors.Add($"{Section}ScopeGroups:{scope} lists an empty tool name.");
                }
                else if (!seen.TryAdd(tool, scope) && !string.Equals(seen[tool], scope, StringComparison.Ordinal))
                {
                    errors.Add($"{Section}ScopeGroups lists tool '{tool}' in both '{seen[tool]}' and '{scope}'; a tool belongs to one scope.");
                }
            }
        }

        if (!Enum.IsDefined(options.Store))
        {
            errors.Add($"{Section}Store must be Memory or Redis.");
        }
        else if (options.Store == ElevationGrantStoreKind.Redis)
        {
            ValidateRedis(options, errors);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private void ValidateRedis(ElevationOptions options, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(options.RedisKeyPrefix))
        {
            errors.Add($"{Section}RedisKeyPrefix is empty; the seed's layout uses 'elevation:'.");
        }

        if (options.RedisTimeout <= TimeSpan.Zero || options.RedisTimeout > TimeSpan.FromSeconds(30))
        {
            errors.Add($"{Section}RedisTimeout must be greater than 00:00:00 and at most 00:00:30.");
        }

        if (!string.IsNullOrWhiteSpace(options.RedisCaCertificatePath) && !File.Exists(options.RedisCaCertificatePath))
        {
            errors.Add($"{Section}RedisCaCertificatePath '{options.RedisCaCertificatePath}' does not exist.");
        }

        if (string.IsNullOrWhiteSpace(options.RedisConnectionString))
        {
            if (string.IsNullOrWhiteSpace(shared?.Value.ConnectionString) && !services.IsService(typeof(IConnectionMultiplexer)))
            {
                errors.Add($"{Section}Store is Redis but no Redis connection is configured: set Msil:Mcp:Redis:ConnectionString (for example 'redis:6379,password=…,ssl=true'; {Section}RedisConnectionString still overrides it for elevation), or register an IConnectionMultiplexer.");
            }

            return;
        }

        try
        {
            if (MsilRedisConfiguration.Create(options.RedisConnectionString, options.RedisTimeout, "msil-mcp-elevation").EndPoints.Count == 0)
            {
                errors.Add($"{Section}RedisConnectionString names no server (host:port).");
            }
        }
        catch (ArgumentException)
        {
            // The message would echo the string, password included: name the key only.
            errors.Add($"{Section}RedisConnectionString cannot be parsed; use the StackExchange.Redis form 'host:port,password=…,ssl=true'.");
        }
    }

    private static void ValidateTemplate(string? template, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(template))
        {
            errors.Add($"{Section}ElevationUrlTemplate is empty: set your PIM/PAM approval URL, with {{user}}, {{principal}}, {{scope}} and {{reference}} placeholders.");
            return;
        }

        var sample = template.Replace("{user}", "u", StringComparison.Ordinal).Replace("{principal}", "p", StringComparison.Ordinal).Replace("{scope}", "s", StringComparison.Ordinal)
            .Replace("{reference}", "r", StringComparison.Ordinal).Replace("{tool}", "t", StringComparison.Ordinal)
            .Replace("{arguments_hash}", "h", StringComparison.Ordinal);
        var absolute = Uri.TryCreate(sample, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";
        if (!absolute && !(sample.StartsWith('/') && !sample.StartsWith("//", StringComparison.Ordinal) && Uri.TryCreate(sample, UriKind.Relative, out _)))
        {
            errors.Add($"{Section}ElevationUrlTemplate '{template}' must be an absolute http(s) URL or a path starting with '/'.");
        }
    }
}
