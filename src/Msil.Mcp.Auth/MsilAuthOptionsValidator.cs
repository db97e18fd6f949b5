using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Msil.Mcp.Auth.Validation;

namespace Msil.Mcp.Auth;

/// <summary>Checks the auth options' DataAnnotations at start (source-generated; each attribute's message names the key and the fix).</summary>
[OptionsValidator]
internal sealed partial class MsilAuthOptionsAnnotationsValidator : IValidateOptions<MsilAuthOptions>;

/// <summary>Checks the auth rules DataAnnotations cannot say (across fields, per issuer, per environment); each message names the configuration key and the fix.</summary>
internal sealed class MsilAuthOptionsValidator(IHostEnvironment environment) : IValidateOptions<MsilAuthOptions>
{
    public ValidateOptionsResult Validate(string? name, MsilAuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > TimeSpan.FromMinutes(10))
        {
            errors.Add("Msil:Mcp:Auth:ClockSkew must be between 00:00:00 and 00:10:00 (default 00:01:00): set it within that range or remove it.");
        }

        if (options.JwksCacheLifetime <= TimeSpan.Zero)
        {
            errors.Add("Msil:Mcp:Auth:JwksCacheLifetime must be positive: set a duration such as 01:00:00, or remove it for the default.");
        }

        if (options.ValidAlgorithms.Count == 0 || options.ValidAlgorithms.All(IssuerRegistry.IsRefusedAlgorithm))
        {
            errors.Add("Msil:Mcp:Auth:ValidAlgorithms lists no usable algorithm: 'none' and HS* are always refused; use RS256, PS256 or ES256.");
        }

        for (var i = 0; i < options.Issuers.Count; i++)
        {
            var issuer = options.Issuers[i];
            if (!Uri.TryCreate(issuer.Issuer, UriKind.Absolute, out var uri))
            {
                errors.Add($"Msil:Mcp:Auth:Issuers:{i}:Issuer '{issuer.Issuer}' is not an absolute URL: set it to the exact 'iss' of your identity provider.");
            }
            else if (issuer.RequireHttpsMetadata && uri.Scheme != Uri.UriSchemeHttps && issuer.MetadataAddress is null)
            {
                errors.Add($"Msil:Mcp:Auth:Issuers:{i}:Issuer '{issuer.Issuer}' is not https: use https, or set RequireHttpsMetadata=false for a loopback test server only.");
            }
        }

        if (options.DevelopmentIssuer.Enabled && !environment.IsDevelopment())
        {
            errors.Add($"Msil:Mcp:Auth:DevelopmentIssuer:Enabled is true in the '{environment.EnvironmentName}' environment. The development issuer gives tokens to anyone; it only runs in Development. Set it to false and configure Msil:Mcp:Auth:Issuers.");
        }

        if (options.Issuers.Count == 0 && !options.DevelopmentIssuer.Enabled)
        {
            errors.Add("No token issuer is configured: add Msil:Mcp:Auth:Issuers:0:Issuer (your OIDC issuer), or enable Msil:Mcp:Auth:DevelopmentIssuer in Development.");
        }

        if (options.Downstream.Mode is DownstreamTokenMode.OnBehalfOf or DownstreamTokenMode.ClientCredentials or DownstreamTokenMode.TokenExchange
            && options.Downstream.TokenEndpoint is null && !options.DevelopmentIssuer.Enabled)
        {
            errors.Add($"Msil:Mcp:Auth:Downstream:Mode is {options.Downstream.Mode} but Msil:Mcp:Auth:Downstream:TokenEndpoint is not set: set Msil:Mcp:Auth:Downstream:TokenEndpoint to your identity provider's token endpoint, or set the mode to None.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
