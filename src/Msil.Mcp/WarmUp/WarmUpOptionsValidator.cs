using Microsoft.Extensions.Options;

namespace Msil.Mcp.WarmUp;

/// <summary>Validates <see cref="MsilMcpWarmUpOptions"/> at start; each message names the configuration key and the fix.</summary>
internal sealed class WarmUpOptionsValidator : IValidateOptions<MsilMcpWarmUpOptions>
{
    private const string Section = "Msil:Mcp:WarmUp:";

    public ValidateOptionsResult Validate(string? name, MsilMcpWarmUpOptions options)
    {
        var errors = new List<string>();
        if (options.Iterations is < 1 or > 1000)
        {
            errors.Add($"{Section}Iterations is {options.Iterations}: set it between 1 and 1000 (default 40), or set {Section}Enabled=false to skip the warm-up.");
        }

        if (options.MaxTools is < 1 or > 1000)
        {
            errors.Add($"{Section}MaxTools is {options.MaxTools}: set it between 1 and 1000 (default 8).");
        }

        if (options.TimeoutSeconds is < 1 or > 300)
        {
            errors.Add($"{Section}TimeoutSeconds is {options.TimeoutSeconds}: set it between 1 and 300 (default 20).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
