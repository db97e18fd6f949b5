using System.Text.Json.Serialization;

namespace Msil.Mcp.Auth.Development;

/// <summary>The development issuer's OpenID Connect discovery document (<c>/.well-known/openid-configuration</c>).</summary>
internal sealed record DiscoveryDocument(
    string Issuer,
    string JwksUri,
    string TokenEndpoint,
    string AuthorizationEndpoint,
    string EndSessionEndpoint,
    IReadOnlyList<string> GrantTypesSupported,
    IReadOnlyList<string> ResponseTypesSupported,
    IReadOnlyList<string> ResponseModesSupported,
    IReadOnlyList<string> CodeChallengeMethodsSupported,
    IReadOnlyList<string> ScopesSupported,
    IReadOnlyList<string> ClaimsSupported,
    IReadOnlyList<string> SubjectTypesSupported,
    IReadOnlyList<string> IdTokenSigningAlgValuesSupported,
    IReadOnlyList<string> TokenEndpointAuthMethodsSupported);

/// <summary>The development issuer's key set (<c>/jwks</c>, RFC 7517).</summary>
internal sealed record JwksDocument(IReadOnlyList<JwkDocument> Keys);

/// <summary>One RSA signing key of <see cref="JwksDocument"/>.</summary>
internal sealed record JwkDocument(string Kty, string Use, string Alg, string Kid, string N, string E);

/// <summary>
/// A token response (RFC 6749 §5.1): <c>issued_token_type</c> only for token exchange (RFC 8693), <c>scope</c> and
/// <c>id_token</c> only for the authorization-code grant (the ID token when <c>openid</c> was asked for).
/// </summary>
internal sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn, string? IssuedTokenType = null, string? Scope = null, string? IdToken = null);

/// <summary>An OAuth error response (RFC 6749 §5.2).</summary>
internal sealed record OAuthErrorResponse(string Error, string ErrorDescription);

/// <summary>The source-generated JSON of the development issuer: the OIDC/OAuth field names (snake_case), absent fields left out.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DiscoveryDocument))]
[JsonSerializable(typeof(JwksDocument))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(OAuthErrorResponse))]
internal sealed partial class DevelopmentIssuerJsonContext : JsonSerializerContext;
