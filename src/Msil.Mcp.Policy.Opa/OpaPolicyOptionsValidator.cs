using Microsoft.Extensions.Options;
using Msil.Mcp.Policy.Opa.Embedded;

namespace Msil.Mcp.Policy.Opa;

/// <summary>Checks the policy options at start; each message names the key and the fix.</summary>
internal sealed class OpaPolicyOptionsValidator : IValidateOptions<OpaPolicyOptions>
{
    public ValidateOptionsResult Validate(string? name, OpaPolicyOptions options)
    {
        var errors = new List<string>();
        if (options.Engine == PolicyEngine.Opa && (!options.Endpoint.IsAbsoluteUri || options.Endpoint.Scheme is not ("http" or "https")))
        {
            errors.Add($"Msil:Mcp:Policy:Endpoint '{options.Endpoint}' must be an absolute http(s) URL, for example http://localhost:8181.");
        }

        if (options.Timeout <= TimeSpan.Zero || options.Timeout > TimeSpan.FromSeconds(30))
        {
            errors.Add("Msil:Mcp:Policy:Timeout must be greater than 0 and at most 00:00:30.");
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
                catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or IOException)
                {
                    errors.Add($"Msil:Mcp:Policy:DataFile is not valid policy data: {ex.Message}");
                }
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
