using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Msil.Mcp.Auth.Development;

/// <summary>A pending authorization code: single-use, short-lived, bound to the client, the redirect URI and the PKCE challenge.</summary>
internal sealed record AuthorizationCode(
    string Username,
    string ClientId,
    string RedirectUri,
    string CodeChallenge,
    string? Nonce,
    string Scope,
    DateTimeOffset ExpiresAt);

/// <summary>The development issuer's authorization codes (authorization-code flow with PKCE S256). Development only.</summary>
internal sealed class DevelopmentAuthorizationCodes(TimeProvider time)
{
    /// <summary>How long a code may be redeemed.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, AuthorizationCode> _codes = new(StringComparer.Ordinal);

    /// <summary>Issues a code for <paramref name="pending"/>; expired codes are dropped on the way.</summary>
    public string Issue(Func<DateTimeOffset, AuthorizationCode> pending)
    {
        var now = time.GetUtcNow();
        foreach (var (key, value) in _codes)
        {
            if (value.ExpiresAt <= now)
            {
                _codes.TryRemove(key, out _);
            }
        }

        var code = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        _codes[code] = pending(now + Lifetime);
        return code;
    }

    /// <summary>Redeems a code once: checks expiry, client, redirect URI and the PKCE verifier.</summary>
    /// <returns>The code, or <see langword="null"/> and why it was refused.</returns>
    public (AuthorizationCode? Code, string? Error) Redeem(string code, string clientId, string redirectUri, string verifier)
    {
        // Removed before any check: a code is consumed by its first redemption, right or wrong (RFC 6749 §4.1.2).
        if (code.Length == 0 || !_codes.TryRemove(code, out var pending))
        {
            return (null, "The authorization code is unknown or was already used.");
        }

        if (pending.ExpiresAt <= time.GetUtcNow())
        {
            return (null, "The authorization code has expired (codes live 60 seconds).");
        }

        if (!string.Equals(pending.ClientId, clientId, StringComparison.Ordinal))
        {
            return (null, "The authorization code was issued to another client_id.");
        }

        if (!string.Equals(pending.RedirectUri, redirectUri, StringComparison.Ordinal))
        {
            return (null, "'redirect_uri' must be the one the code was requested with.");
        }

        if (!VerifiesChallenge(verifier, pending.CodeChallenge))
        {
            return (null, "'code_verifier' does not match the code_challenge (PKCE S256).");
        }

        return (pending, null);
    }

    /// <summary>Returns whether BASE64URL(SHA256(<paramref name="verifier"/>)) is <paramref name="challenge"/> (RFC 7636 S256).</summary>
    internal static bool VerifiesChallenge(string verifier, string challenge)
    {
        if (verifier.Length is < 43 or > 128)
        {
            return false;
        }

        var computed = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(computed), Encoding.ASCII.GetBytes(challenge));
    }

    /// <summary>
    /// Returns whether <paramref name="uri"/> is registered in <paramref name="registered"/>: an absolute entry matches
    /// exactly, a path entry matches that path on a loopback origin (http or https, any port).
    /// </summary>
    internal static bool IsRegistered(string uri, IEnumerable<string> registered)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var candidate) || candidate.Fragment.Length > 0 || !string.IsNullOrEmpty(candidate.UserInfo))
        {
            return false;
        }

        foreach (var entry in registered)
        {
            if (entry.StartsWith('/'))
            {
                if (candidate.IsLoopback && (candidate.Scheme == Uri.UriSchemeHttp || candidate.Scheme == Uri.UriSchemeHttps)
                    && string.Equals(candidate.AbsolutePath, entry, StringComparison.Ordinal) && candidate.Query.Length == 0)
                {
                    return true;
                }
            }
            else if (string.Equals(uri, entry, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
