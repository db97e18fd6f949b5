using Microsoft.Extensions.Options;

namespace Msil.Mcp.SampleBackend;

/// <summary>Checks the rules of <see cref="SampleBackendOptions"/> that span several properties.</summary>
internal sealed class SampleBackendOptionsValidator : IValidateOptions<SampleBackendOptions>
{
    public ValidateOptionsResult Validate(string? name, SampleBackendOptions options)
    {
        var failures = new List<string>();

        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            failures.Add("SampleBackendOptions.Audience must not be empty.");
        }

        if (options.RecentRequestCapacity < 1)
        {
            failures.Add($"SampleBackendOptions.RecentRequestCapacity must be at least 1 (was {options.RecentRequestCapacity}).");
        }

        if (options.IssuerSigningKeys.Count > 0)
        {
            if (string.IsNullOrWhiteSpace(options.Issuer))
            {
                failures.Add("SampleBackendOptions.Issuer must be set when IssuerSigningKeys are given.");
            }
        }
        else if (string.IsNullOrWhiteSpace(options.Authority))
        {
            failures.Add("Set SampleBackendOptions.Authority (an OIDC issuer URL) or IssuerSigningKeys with Issuer so the backend can validate tokens.");
        }
        else if (!Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority)
            || (authority.Scheme != Uri.UriSchemeHttps && !(authority.Scheme == Uri.UriSchemeHttp && authority.IsLoopback)))
        {
            failures.Add($"SampleBackendOptions.Authority must be an absolute https URL, or http on a loopback host (was '{options.Authority}').");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
