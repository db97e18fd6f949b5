using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Msil.Mcp.Auth.Validation;

namespace Msil.Mcp.Auth;

/// <summary>Checks the auth options at start; each message names the configuration key and the fix.</summary>
internal sealed class MsilAuthOptionsValidator(IHostEnvironment environment) : IValidateOptions<MsilAuthOptions>
{
    public ValidateOptionsResult Validate(string? name, MsilAuthOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            errors.Add("Msil:Mcp:Auth:Audience is empty: set it to the audience your identity provider issues tokens for (for example api://msil-mcp-server).");
        }

        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > TimeSpan.FromMinutes(10))
        {
            errors.Add("Msil:Mcp:Auth:ClockSkew must be between 00:00:00 and 00:10:00.");
        }

        // The same bounds as the options' [Range] attributes, which document them; checked here so the message names the key.
        if (options.MaxTokenBytes is < 1024 or > 1024 * 1024)
        {
            errors.Add("Msil:Mcp:Auth:MaxTokenBytes must be between 1024 and 1048576 bytes (default 16384).");
        }

        if (options.ValidatedTokenCacheSize is < 0 or > 1_000_000)
        {
            errors.Add("Msil:Mcp:Auth:ValidatedTokenCacheSize must be between 0 (off) and 1000000 (default 10000).");
        }

        if (options.JwksCacheLifetime <= TimeSpan.Zero)
        {
            errors.Add("Msil:Mcp:Auth:JwksCacheLifetime must be positive.");
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
            errors.Add($"Msil:Mcp:Auth:Downstream:Mode is {options.Downstream.Mode} but Msil:Mcp:Auth:Downstream:TokenEndpoint is not set.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
