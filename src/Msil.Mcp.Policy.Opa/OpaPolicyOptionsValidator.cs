using Microsoft.Extensions.Options;
using Msil.Mcp.Policy.Opa.Embedded;

namespace Msil.Mcp.Policy.Opa;

/// <summary>Checks the options' DataAnnotations at start (source-generated).</summary>
[OptionsValidator]
internal sealed partial class OpaPolicyOptionsAnnotationsValidator : IValidateOptions<OpaPolicyOptions>;

/// <summary>Checks the rules that DataAnnotations cannot say; each message names the key and the fix.</summary>
internal sealed class OpaPolicyOptionsValidator : IValidateOptions<OpaPolicyOptions>
{
    internal static readonly TimeSpan MaxTimeout = TimeSpan.FromSeconds(30);
    internal static readonly TimeSpan MaxCacheDuration = TimeSpan.FromMinutes(5);

    public ValidateOptionsResult Validate(string? name, OpaPolicyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.Engine is not (PolicyEngine.Embedded or PolicyEngine.Opa))
        {
            errors.Add($"Msil:Mcp:Policy:Engine '{options.Engine}' is not an engine; use Embedded or Opa.");
        }

        if (options.Engine == PolicyEngine.Opa && options.Endpoint is not null
            && (!options.Endpoint.IsAbsoluteUri || options.Endpoint.Scheme is not ("http" or "https") || options.Endpoint.Query.Length > 0 || options.Endpoint.Fragment.Length > 0))
        {
            errors.Add($"Msil:Mcp:Policy:Endpoint '{options.Endpoint}' must be an absolute http(s) URL without query or fragment, for example http://localhost:8181.");
        }

        if (options.DecisionPath is { } path && !IsDecisionPath(path))
        {
            errors.Add($"Msil:Mcp:Policy:DecisionPath '{path}' must be a path of letters, digits and '_' separated by '/', for example msil/authz.");
        }

        if (options.Timeout <= TimeSpan.Zero || options.Timeout > MaxTimeout)
        {
            errors.Add("Msil:Mcp:Policy:Timeout must be greater than 0 and at most 00:00:30.");
        }

        if (options.DecisionCacheDuration < TimeSpan.Zero || options.DecisionCacheDuration > MaxCacheDuration)
        {
            errors.Add("Msil:Mcp:Policy:DecisionCacheDuration must be between 00:00:00 (off) and 00:05:00.");
        }

        if (options.DataFile is not null)
        {
            if (!File.Exists(options.DataFile))
            {
                errors.Add($"Msil:Mcp:Policy:DataFile '{options.DataFile}' does not exist. Point it at a data.json, or remove it to use the package's default roles.");
            }
            else
            {
                try
                {
                    PolicyData.Parse(File.ReadAllBytes(options.DataFile), options.DataFile);
                }
                catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or IOException or UnauthorizedAccessException)
                {
                    errors.Add($"Msil:Mcp:Policy:DataFile is not valid policy data: {ex.Message}");
                }
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsDecisionPath(string path)
    {
        var trimmed = path.AsSpan().Trim('/');
        if (trimmed.IsEmpty)
        {
            return false;
        }

        var previousSlash = false;
        foreach (var c in trimmed)
        {
            if (c == '/')
            {
                if (previousSlash)
                {
                    return false;
                }

                previousSlash = true;
                continue;
            }

            previousSlash = false;
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}
