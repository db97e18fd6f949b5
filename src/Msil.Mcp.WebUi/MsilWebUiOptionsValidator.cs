using Microsoft.Extensions.Options;

namespace Msil.Mcp.WebUi;

/// <summary>Checks a console's options at start; every message names the configuration key and the fix.</summary>
internal sealed class MsilWebUiOptionsValidator(string name, string section) : IValidateOptions<MsilWebUiOptions>
{
    public ValidateOptionsResult Validate(string? optionsName, MsilWebUiOptions options)
    {
        if (!string.Equals(optionsName, name, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Skip;
        }

        var errors = new List<string>();
        if (options.Authority is null)
        {
            errors.Add($"{section}:Authority is required: set it to the OIDC issuer users sign in with (for the reference server, its development issuer, http://127.0.0.1:5100/dev/oidc).");
        }
        else if (!options.Authority.IsAbsoluteUri || (options.Authority.Scheme != Uri.UriSchemeHttps && !(options.Authority.Scheme == Uri.UriSchemeHttp && options.Authority.IsLoopback)))
        {
            errors.Add($"{section}:Authority must be an absolute https URL (plain http only on a loopback address), not '{options.Authority}'.");
        }

        if (options.ServerUrl is { } server && (!server.IsAbsoluteUri || (server.Scheme != Uri.UriSchemeHttps && server.Scheme != Uri.UriSchemeHttp)))
        {
            errors.Add($"{section}:ServerUrl must be an absolute http(s) URL of the MCP server, or unset to call the host the console is served from.");
        }

        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            errors.Add($"{section}:ClientId is required: the OIDC client id registered for the console.");
        }

        if (!options.Scopes.Contains("openid", StringComparer.Ordinal))
        {
            errors.Add($"{section}:Scopes must include 'openid' (the console signs in with OpenID Connect).");
        }

        if (options.SessionLifetime <= TimeSpan.Zero)
        {
            errors.Add($"{section}:SessionLifetime must be positive.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
