using System.Security.Claims;
using System.Text.Json;

namespace Msil.Mcp.Auth.Validation;

/// <summary>
/// Brings each issuer's claims to the names the rest of the SDK reads (<c>roles</c>, <c>groups</c>): Entra ID already
/// uses them; Keycloak keeps roles in <c>realm_access.roles</c>, configured as <see cref="OidcIssuerOptions.RolesClaim"/>.
/// Done once at authentication, so every consumer sees the same identity.
/// </summary>
internal static class ClaimNormalizer
{
    public static void Normalize(ClaimsIdentity identity, OidcIssuerOptions? issuer)
    {
        if (issuer is null)
        {
            return;
        }

        Copy(identity, issuer.RolesClaim, "roles");
        Copy(identity, issuer.GroupsClaim, "groups");
    }

    internal static IEnumerable<string> Read(ClaimsIdentity identity, string path)
    {
        var dot = path.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            foreach (var claim in identity.FindAll(path))
            {
                yield return claim.Value;
            }

            yield break;
        }

        var head = identity.FindFirst(path[..dot]);
        if (head is null)
        {
            yield break;
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(head.Value);
        }
        catch (JsonException)
        {
            yield break;
        }

        using (doc)
        {
            var node = doc.RootElement;
            foreach (var segment in path[(dot + 1)..].Split('.'))
            {
                if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(segment, out node))
                {
                    yield break;
                }
            }

            if (node.ValueKind == JsonValueKind.String)
            {
                yield return node.GetString()!;
            }
            else if (node.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in node.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String)
                    {
                        yield return item.GetString()!;
                    }
                }
            }
        }
    }

    private static void Copy(ClaimsIdentity identity, string source, string target)
    {
        if (string.Equals(source, target, StringComparison.Ordinal) || string.IsNullOrWhiteSpace(source))
        {
            return;
        }

        foreach (var value in Read(identity, source).ToArray())
        {
            if (!identity.HasClaim(target, value))
            {
                identity.AddClaim(new Claim(target, value));
            }
        }
    }
}
