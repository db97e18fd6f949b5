using Microsoft.OpenApi;
using Msil.Mcp.Abstractions;
using OpenApiLocation = Microsoft.OpenApi.ParameterLocation;

namespace Msil.Mcp.Registry.OpenApi;

/// <summary>What an operation's security requirement means for its tool.</summary>
/// <param name="RequiredScopes">The OAuth 2.0 scopes the caller's token must carry, sorted.</param>
/// <param name="Credentials">What the executor sends the backend.</param>
/// <param name="Unsatisfiable">Why no alternative of the requirement can be met by the gateway, or <see langword="null"/>.</param>
internal sealed record SecurityOutcome(IReadOnlyList<string> RequiredScopes, IReadOnlyList<BackendCredential> Credentials, string? Unsatisfiable)
{
    public static SecurityOutcome None { get; } = new([], [], null);
}

/// <summary>
/// Reads an operation's <c>security</c> (else the document's; <c>security: []</c> means none) against the document's
/// security schemes (OpenAPI 3 <c>components.securitySchemes</c>, Swagger 2.0 <c>securityDefinitions</c>). The
/// alternatives of a requirement are tried in order: the first the gateway can satisfy (OAuth 2.0, OpenID Connect and
/// HTTP bearer by the downstream token; an API key in a header by the subscription key) gives the credentials. The
/// required scopes are those every satisfiable alternative needs (an alternative without OAuth needs none), so a caller
/// who meets any one alternative is never refused for scope.
/// </summary>
internal static class SecurityCompiler
{
    public static SecurityOutcome Compile(OpenApiDocument document, OpenApiOperation operation)
    {
        var requirements = operation.Security ?? document.Security;
        if (requirements is not { Count: > 0 })
        {
            return SecurityOutcome.None;
        }

        var schemes = document.Components?.SecuritySchemes;
        HashSet<string>? scopes = null;
        IReadOnlyList<BackendCredential>? credentials = null;
        var problems = new List<string>();
        foreach (var requirement in requirements)
        {
            if (requirement is null)
            {
                continue;
            }

            var alternative = new List<BackendCredential>();
            var alternativeScopes = new HashSet<string>(StringComparer.Ordinal);
            string? problem = null;
            foreach (var (key, requested) in requirement)
            {
                var id = key?.Reference?.Id;
                var scheme = id is not null && schemes is not null && schemes.TryGetValue(id, out var declared) ? declared : null;
                if (scheme is null)
                {
                    problem ??= $"the security scheme '{id}' is not defined";
                    continue;
                }

                switch (scheme.Type)
                {
                    case SecuritySchemeType.OAuth2 or SecuritySchemeType.OpenIdConnect:
                        alternative.Add(new BackendCredential(id!, BackendCredentialKind.Bearer));
                        alternativeScopes.UnionWith((requested ?? []).Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s.Trim()));
                        break;
                    case SecuritySchemeType.Http when string.Equals(scheme.Scheme, "bearer", StringComparison.OrdinalIgnoreCase):
                        alternative.Add(new BackendCredential(id!, BackendCredentialKind.Bearer));
                        break;
                    case SecuritySchemeType.Http:
                        problem ??= $"'{id}' is HTTP {scheme.Scheme?.ToLowerInvariant() ?? "(no scheme)"} authentication";
                        break;
                    case SecuritySchemeType.ApiKey when scheme.In == OpenApiLocation.Header && IsUsableHeader(scheme.Name):
                        alternative.Add(new BackendCredential(id!, BackendCredentialKind.ApiKeyHeader, scheme.Name!.Trim()));
                        break;
                    case SecuritySchemeType.ApiKey:
                        problem ??= $"'{id}' is an API key in {(scheme.In == OpenApiLocation.Header ? $"the header '{scheme.Name}'" : scheme.In?.ToString().ToLowerInvariant() ?? "an unknown place")}";
                        break;
                    case SecuritySchemeType.MutualTLS:
                        problem ??= $"'{id}' is mutual TLS to the backend";
                        break;
                    default:
                        problem ??= $"'{id}' has the unknown type '{scheme.Type}'";
                        break;
                }
            }

            if (problem is not null)
            {
                problems.Add(problem);
                continue;
            }

            credentials ??= Distinct(alternative);
            if (scopes is null)
            {
                scopes = alternativeScopes;
            }
            else
            {
                scopes.IntersectWith(alternativeScopes);
            }
        }

        var required = scopes is null ? [] : scopes.Order(StringComparer.Ordinal).ToArray();
        return credentials is null
            ? new SecurityOutcome([], [], string.Join("; ", problems.Distinct(StringComparer.Ordinal)))
            : new SecurityOutcome(required, credentials, null);
    }

    private static bool IsUsableHeader(string? name)
        => !string.IsNullOrWhiteSpace(name)
            && !name.Trim().Equals("Authorization", StringComparison.OrdinalIgnoreCase)
            && !name.Trim().Equals("Cookie", StringComparison.OrdinalIgnoreCase)
            && !name.Trim().Equals("Proxy-Authorization", StringComparison.OrdinalIgnoreCase);

    private static BackendCredential[] Distinct(List<BackendCredential> credentials)
        => [.. credentials.DistinctBy(c => (c.Kind, c.Name?.ToUpperInvariant()))];
}
