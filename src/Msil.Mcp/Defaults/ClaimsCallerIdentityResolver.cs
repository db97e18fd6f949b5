using System.Security.Claims;
using System.Text.Json;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Defaults;

/// <summary>Maps the usual OIDC claims (<c>sub</c>, <c>oid</c>, <c>preferred_username</c>, <c>roles</c>, <c>groups</c>, <c>scope</c>, <c>act</c>) to a caller.</summary>
/// <remarks>A caller without a token is <see cref="CallerIdentity.Anonymous"/>, unless the host allowed anonymous callers in code.</remarks>
internal sealed class ClaimsCallerIdentityResolver(AnonymousCallerAccess? anonymous = null) : ICallerIdentityResolver
{
    public CallerIdentity Resolve(ClaimsPrincipal? principal) => Resolve(principal, out _);

    /// <summary>
    /// Resolves the caller and, when it came from a shared identity's cache (<see cref="ICallerIdentityCache"/>), its
    /// principal key too: both are made once per cached token, not per call.
    /// </summary>
    /// <param name="principal">The authenticated principal, or <see langword="null"/>.</param>
    /// <param name="principalKey">The caller's <see cref="CallerIdentity.PrincipalKey"/> when it was cached, else <see langword="null"/>.</param>
    public CallerIdentity Resolve(ClaimsPrincipal? principal, out string? principalKey)
    {
        principalKey = null;
        if (principal?.Identity?.IsAuthenticated != true)
        {
            return anonymous?.Identity ?? CallerIdentity.Anonymous;
        }

        // Only a principal of that one identity: a second identity (a claims transformation's) could add claims, and
        // then the caller is resolved per call as before. The identity's claims never change, so neither does its caller.
        if (principal.Identity is ICallerIdentityCache cache && principal.Identities.TryGetNonEnumeratedCount(out var count) && count == 1)
        {
            if (cache.ResolvedCaller is not Resolved resolved)
            {
                var caller = Shared(ResolveClaims(principal));
                resolved = new Resolved(caller, caller.PrincipalKey);
                cache.ResolvedCaller = resolved; // a race makes an equal caller twice; either is right
            }

            principalKey = resolved.PrincipalKey;
            return resolved.Caller;
        }

        return ResolveClaims(principal);
    }

    private static CallerIdentity ResolveClaims(ClaimsPrincipal principal)
    {
        var sub = principal.FindFirst("sub")?.Value ?? principal.FindFirst(ClaimTypes.NameIdentifier)?.Value;
        var preferred = principal.FindFirst("preferred_username")?.Value ?? principal.FindFirst("upn")?.Value;
        List<string>? roles = null;
        List<string>? groups = null;
        List<string>? scopes = null;
        string? actor = null;
        foreach (var claim in principal.Claims)
        {
            switch (claim.Type)
            {
                case "roles" or "role" or ClaimTypes.Role:
                    AddDistinct(ref roles, claim.Value);
                    break;
                case "groups":
                    AddDistinct(ref groups, claim.Value);
                    break;
                case "scope" or "scp":
                    // Split(' ', RemoveEmptyEntries | TrimEntries) without its array: only the scopes themselves are strings.
                    var value = claim.Value;
                    foreach (var range in value.AsSpan().Split(' '))
                    {
                        var part = value.AsSpan(range).Trim();
                        if (!part.IsEmpty)
                        {
                            AddDistinct(ref scopes, part.Length == value.Length ? value : part.ToString());
                        }
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
            Roles = roles is null ? [] : roles,
            Groups = groups is null ? [] : groups,
            Scopes = scopes is null ? [] : scopes,
            Actor = actor,
        };
    }

    /// <summary>
    /// A caller that every request of one token is given: its lists are read-only wrappers, so code that casts one back
    /// to a list cannot change the caller of the other requests.
    /// </summary>
    private static CallerIdentity Shared(CallerIdentity caller) =>
        caller with { Roles = ReadOnly(caller.Roles), Groups = ReadOnly(caller.Groups), Scopes = ReadOnly(caller.Scopes) };

    private static IReadOnlyList<string> ReadOnly(IReadOnlyList<string> list) => list is List<string> l ? l.AsReadOnly() : list;

    /// <summary>The caller a shared identity keeps (<see cref="ICallerIdentityCache.ResolvedCaller"/>), with its principal key.</summary>
    private sealed record Resolved(CallerIdentity Caller, string PrincipalKey);

    /// <summary>Adds a value once; the list is made on the first value (a caller without groups costs no list).</summary>
    private static void AddDistinct(ref List<string>? list, string value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        list ??= new List<string>(4);
        if (!list.Contains(value)) // List<string>.Contains is ordinal; the comparer overload is LINQ's and boxes the enumerator
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
