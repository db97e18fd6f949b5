using System.Security.Claims;
using System.Text.Json;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Defaults;

/// <summary>Maps the usual OIDC claims (<c>sub</c>, <c>oid</c>, <c>preferred_username</c>, <c>roles</c>, <c>groups</c>, <c>scope</c>, <c>act</c>) to a caller.</summary>
/// <remarks>A caller without a token is <see cref="CallerIdentity.Anonymous"/>, unless the host allowed anonymous callers in code.</remarks>
internal sealed class ClaimsCallerIdentityResolver(AnonymousCallerAccess? anonymous = null) : ICallerIdentityResolver
{
    public CallerIdentity Resolve(ClaimsPrincipal? principal)
    {
        if (principal?.Identity?.IsAuthenticated != true)
        {
            return anonymous?.Identity ?? CallerIdentity.Anonymous;
        }

        var sub = principal.FindFirst("sub")?.Value ?? principal.FindFirst(ClaimTypes.NameIdentifier)?.Value;
        var preferred = principal.FindFirst("preferred_username")?.Value ?? principal.FindFirst("upn")?.Value;
        var roles = new List<string>();
        var groups = new List<string>();
        var scopes = new List<string>();
        string? actor = null;
        foreach (var claim in principal.Claims)
        {
            switch (claim.Type)
            {
                case "roles" or "role" or ClaimTypes.Role:
                    AddDistinct(roles, claim.Value);
                    break;
                case "groups":
                    AddDistinct(groups, claim.Value);
                    break;
                case "scope" or "scp":
                    foreach (var s in claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        AddDistinct(scopes, s);
                    }

                    break;
                case "act":
                    actor = ReadActor(claim.Value);
                    break;
            }
        }

        if (string.IsNullOrEmpty(sub))
        {
            sub = preferred ?? "unknown";
        }

        return new CallerIdentity
        {
            UserId = preferred ?? sub,
            Subject = sub,
            ObjectId = principal.FindFirst("oid")?.Value,
            PreferredUsername = preferred,
            Issuer = principal.FindFirst("iss")?.Value,
            Roles = roles,
            Groups = groups,
            Scopes = scopes,
            Actor = actor,
        };
    }

    private static void AddDistinct(List<string> list, string value)
    {
        if (!string.IsNullOrEmpty(value) && !list.Contains(value, StringComparer.Ordinal))
        {
            list.Add(value);
        }
    }

    private static string? ReadActor(string value)
    {
        if (!value.StartsWith('{'))
        {
            return value;
        }

        try
        {
            using var doc = JsonDocument.Parse(value);
            return doc.RootElement.TryGetProperty("sub", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
