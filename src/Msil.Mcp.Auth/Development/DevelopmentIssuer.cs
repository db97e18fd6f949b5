using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Msil.Mcp.Auth.Development;

/// <summary>The in-process development issuer: an RSA key of its own, and tokens for the demo users. Development only.</summary>
internal sealed class DevelopmentIssuer : IDisposable
{
    public const string TokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange";
    public const string JwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    public const string AccessTokenType = "urn:ietf:params:oauth:token-type:access_token";

    private readonly RSA _rsa = RSA.Create(2048);
    private readonly IOptionsMonitor<MsilAuthOptions> _options;
    private readonly IServer? _server;
    private readonly TimeProvider _time;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private string? _issuer;

    public DevelopmentIssuer(IOptionsMonitor<MsilAuthOptions> options, TimeProvider time, IServer? server = null)
    {
        _options = options;
        _time = time;
        _server = server;
        var parameters = _rsa.ExportParameters(false);
        var kid = Convert.ToHexStringLower(SHA256.HashData(parameters.Modulus!))[..16];
        Key = new RsaSecurityKey(_rsa) { KeyId = kid };
        Credentials = new SigningCredentials(Key, SecurityAlgorithms.RsaSha256);
        Jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(parameters) { KeyId = kid });
        Jwk.Use = "sig";
        Jwk.Alg = SecurityAlgorithms.RsaSha256;
        _generatedClientSecret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
    }

    private readonly string _generatedClientSecret;

    /// <summary>
    /// Gets the client secret token exchange needs: <c>Msil:Mcp:Auth:Downstream:ClientSecret</c> when set, else a random
    /// one made at start that only this process knows (the downstream token provider sends it).
    /// </summary>
    public string ClientSecret => _options.CurrentValue.Downstream.ClientSecret is { Length: > 0 } configured ? configured : _generatedClientSecret;

    /// <summary>Returns whether <paramref name="clientId"/> and <paramref name="clientSecret"/> are this server's client credentials.</summary>
    public bool AuthenticatesClient(string clientId, string clientSecret)
        => string.Equals(clientId, _options.CurrentValue.Downstream.ClientId, StringComparison.Ordinal)
           && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(clientSecret), Encoding.UTF8.GetBytes(ClientSecret));

    /// <summary>Returns whether the issuer exchanges tokens for <paramref name="audience"/>.</summary>
    public bool ExchangesFor(string audience) => _options.CurrentValue.DevelopmentIssuer.ExchangeAudiences.Contains(audience, StringComparer.Ordinal);

    /// <summary>Gets the only audience the password grant issues tokens for.</summary>
    public string Audience => _options.CurrentValue.Audience;

    public RsaSecurityKey Key { get; }

    public JsonWebKey Jwk { get; }

    private SigningCredentials Credentials { get; }

    /// <summary>Gets the issuer identifier: configured, or the server's first address plus the issuer path.</summary>
    public string Issuer => _issuer ??= ResolveIssuer();

    public string TokenEndpoint => Issuer + "/token";

    public string AuthorizationEndpoint => Issuer + "/authorize";

    public string EndSessionEndpoint => Issuer + "/end_session";

    public DevelopmentUser? FindUser(string username)
    {
        foreach (var user in _options.CurrentValue.DevelopmentIssuer.Users)
        {
            if (string.Equals(user.Username, username, StringComparison.OrdinalIgnoreCase))
            {
                return user;
            }
        }

        return null;
    }

    /// <summary>Issues an access token for a demo user, for this server's audience (or <paramref name="audience"/>).</summary>
    public (string Token, int ExpiresIn) IssueForUser(DevelopmentUser user, string? audience = null, string? actor = null)
    {
        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["sub"] = SubjectOf(user.Username),
            ["oid"] = ObjectIdOf(user.Username),
            ["preferred_username"] = user.Username + "@example.test",
            ["name"] = user.Username,
            ["roles"] = user.Roles.ToArray(),
            ["groups"] = user.Groups.ToArray(),
            ["scope"] = "mcp:tools",
        };
        return Issue(claims, audience ?? _options.CurrentValue.Audience, actor);
    }

    /// <summary>Issues an OpenID Connect ID token for a demo user, for <paramref name="clientId"/> (authorization-code flow).</summary>
    public string IssueIdToken(DevelopmentUser user, string clientId, string? nonce, string accessToken)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        // at_hash: the left half of the access token's SHA-256, base64url (OIDC Core §3.1.3.6).
        var hash = SHA256.HashData(Encoding.ASCII.GetBytes(accessToken));
        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["sub"] = SubjectOf(user.Username),
            ["oid"] = ObjectIdOf(user.Username),
            ["preferred_username"] = user.Username + "@example.test",
            ["name"] = user.Username,
            ["roles"] = user.Roles.ToArray(),
            ["auth_time"] = new DateTimeOffset(now).ToUnixTimeSeconds(),
            ["at_hash"] = Base64UrlEncoder.Encode(hash.AsSpan(0, hash.Length / 2).ToArray()),
            ["jti"] = Guid.NewGuid().ToString("N"),
        };
        if (!string.IsNullOrEmpty(nonce))
        {
            claims["nonce"] = nonce;
        }

        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = clientId,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + _options.CurrentValue.DevelopmentIssuer.TokenLifetime,
            Claims = claims,
            SigningCredentials = Credentials,
        });
    }

    /// <summary>RFC 8693: validates a subject token this issuer issued and issues one for <paramref name="audience"/>, with the client as actor.</summary>
    public async Task<(string Token, int ExpiresIn)?> ExchangeAsync(string subjectToken, string audience, string actor)
    {
        var result = await _handler.ValidateTokenAsync(subjectToken, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = _options.CurrentValue.Audience,
            IssuerSigningKey = Key,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            ClockSkew = TimeSpan.FromSeconds(30),
        }).ConfigureAwait(false);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken subject)
        {
            return null;
        }

        var claims = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var name in new[] { "sub", "oid", "preferred_username", "name", "scope" })
        {
            if (subject.TryGetPayloadValue<string>(name, out var value))
            {
                claims[name] = value;
            }
        }

        foreach (var name in new[] { "roles", "groups" })
        {
            claims[name] = subject.Claims.Where(c => c.Type == name).Select(c => c.Value).ToArray();
        }

        return Issue(claims, audience, actor);
    }

    public void Dispose() => _rsa.Dispose();

    internal static string SubjectOf(string username) => "user-" + username.ToLowerInvariant();

    internal static string ObjectIdOf(string username)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("oid:" + username.ToLowerInvariant()));
        return new Guid(hash.AsSpan(0, 16)).ToString();
    }

    private (string Token, int ExpiresIn) Issue(Dictionary<string, object> claims, string audience, string? actor)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var lifetime = _options.CurrentValue.DevelopmentIssuer.TokenLifetime;
        if (actor is not null)
        {
            claims["act"] = new Dictionary<string, object> { ["sub"] = actor };
            claims["azp"] = actor;
        }

        claims["jti"] = Guid.NewGuid().ToString("N");
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Claims = claims,
            SigningCredentials = Credentials,
        });
        return (token, (int)lifetime.TotalSeconds);
    }

    private string ResolveIssuer()
    {
        var options = _options.CurrentValue.DevelopmentIssuer;
        if (!string.IsNullOrEmpty(options.Issuer))
        {
            return options.Issuer.TrimEnd('/');
        }

        var address = _server?.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The development issuer cannot tell its own address before the server listens: set Msil:Mcp:Auth:DevelopmentIssuer:Issuer.");
        var uri = new Uri(address.Replace("://+", "://127.0.0.1", StringComparison.Ordinal).Replace("://*", "://127.0.0.1", StringComparison.Ordinal).Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal).Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal));
        return $"{uri.Scheme}://{uri.Authority}{options.Path.TrimEnd('/')}";
    }

}
