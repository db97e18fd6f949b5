using Microsoft.Extensions.Options;

namespace Msil.Mcp.Tasks;

/// <summary>Checks the tasks options at start; each message names the key.</summary>
internal sealed class ToolTaskOptionsValidator : IValidateOptions<ToolTaskOptions>
{
    public ValidateOptionsResult Validate(string? name, ToolTaskOptions options)
    {
        var errors = new List<string>();
        if (options.ImmediateResultWindowMs is < 0 or > 60_000)
        {
            errors.Add("Msil:Mcp:Tasks:ImmediateResultWindowMs must be between 0 (every call becomes a task) and 60000.");
        }

        if (options.TtlSeconds is < 1 or > 7 * 24 * 3600)
        {
            errors.Add("Msil:Mcp:Tasks:TtlSeconds must be between 1 and 604800 (a week).");
        }

        if (options.PollIntervalMs is < 1 or > 600_000)
        {
            errors.Add("Msil:Mcp:Tasks:PollIntervalMs must be between 1 and 600000.");
        }

        if (options.MaxActivePerCaller < 1)
        {
            errors.Add("Msil:Mcp:Tasks:MaxActivePerCaller must be at least 1 (set Msil:Mcp:Tasks:Enabled=false to turn tasks off).");
        }

        if (string.IsNullOrWhiteSpace(options.RedisKeyPrefix))
        {
            errors.Add("Msil:Mcp:Tasks:RedisKeyPrefix is empty; the default is 'msil:task:'.");
        }

        if (!string.IsNullOrWhiteSpace(options.RedisConnectionString))
        {
            try
            {
                if (StackExchange.Redis.ConfigurationOptions.Parse(options.RedisConnectionString).EndPoints.Count == 0)
                {
                    errors.Add("Msil:Mcp:Tasks:RedisConnectionString names no server.");
                }
            }
            catch (ArgumentException ex)
            {
                errors.Add("Msil:Mcp:Tasks:RedisConnectionString cannot be parsed: " + ex.Message);
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
