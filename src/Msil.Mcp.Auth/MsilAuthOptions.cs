using System.ComponentModel.DataAnnotations;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Auth;

/// <summary>Options of the OAuth 2.1 resource server, bound from <c>Msil:Mcp:Auth</c>.</summary>
public sealed class MsilAuthOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Msil:Mcp:Auth";

    /// <summary>Gets or sets the audience tokens must be issued for (this server).</summary>
    /// <value>Defaults to <c>api://msil-mcp-server</c> (seed §4.1).</value>
    [Required(ErrorMessage = "Msil:Mcp:Auth:Audience is empty: set it to the audience your identity provider issues tokens for (for example api://msil-mcp-server).")]
    public string Audience { get; set; } = "api://msil-mcp-server";

    /// <summary>Gets the OIDC issuers whose tokens are accepted; none is vendor-specific.</summary>
    /// <value>Defaults to empty; with the development issuer enabled it is added automatically.</value>
    public IList<OidcIssuerOptions> Issuers { get; } = [];

    /// <summary>Gets the claims every token must carry.</summary>
    /// <value>Defaults to <c>sub</c>, <c>oid</c>, <c>preferred_username</c> (seed §4.1).</value>
    public IList<string> RequiredClaims { get; } = ["sub", "oid", "preferred_username"];

    /// <summary>Gets the accepted signing algorithms. <c>none</c> and symmetric (HS*) algorithms are always refused.</summary>
    /// <value>Defaults to <c>RS256</c>.</value>
    public IList<string> ValidAlgorithms { get; } = ["RS256"];

    /// <summary>Gets or sets the clock skew allowed on <c>exp</c> and <c>nbf</c>.</summary>
    /// <value>Defaults to 60 seconds.</value>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets the largest token accepted, in bytes.</summary>
    /// <value>Defaults to 16,384.</value>
    [KeyedRange(1024, 1024 * 1024, ErrorMessage = "Msil:Mcp:Auth:MaxTokenBytes must be between 1024 and 1048576 bytes (default 16384): set it within that range or remove it.")]
    public int MaxTokenBytes { get; set; } = 16 * 1024;

    /// <summary>Gets or sets how many validated tokens are remembered (by their SHA-256), so a repeated token skips the signature check; 0 turns the cache off.</summary>
    /// <value>Defaults to 10,000. An entry never outlives its token's <c>exp</c>, nor five minutes.</value>
    [KeyedRange(0, 1_000_000, ErrorMessage = "Msil:Mcp:Auth:ValidatedTokenCacheSize must be between 0 (off) and 1000000 (default 10000): set it within that range or remove it.")]
    public int ValidatedTokenCacheSize { get; set; } = 10_000;

    /// <summary>Gets the scopes advertised in the protected resource metadata and the <c>WWW-Authenticate</c> challenge.</summary>
    /// <value>Defaults to empty.</value>
    public IList<string> Scopes { get; } = [];

    /// <summary>Gets or sets the MCP endpoint's path, used to build the resource identifier in the metadata.</summary>
    /// <value>Defaults to <c>/mcp</c>.</value>
    public string McpPath { get; set; } = "/mcp";

    /// <summary>Gets the scopes a token must carry to use the MCP endpoint; a token without them gets 403 <c>insufficient_scope</c>.</summary>
    /// <value>Defaults to empty (no scope required).</value>
    public IList<string> RequiredScopes { get; } = [];

    /// <summary>Gets or sets the Redis connection string for sharing issuers' keys (JWKS) across replicas under <c>jwks:{issuer}:keys</c>.</summary>
    /// <value>Defaults to <see langword="null"/>: keys are cached in memory only.</value>
    public string? RedisConnectionString { get; set; }

    /// <summary>
    /// Gets or sets whether Production accepts <see cref="RedisConnectionString"/> without TLS or without a password. Without it a Production host
    /// refuses to start when <see cref="RedisConnectionString"/> lacks either (seed §8.2); with it the host starts and logs a warning.
    /// </summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool AllowInsecureRedis { get; set; }

    /// <summary>Gets or sets how long keys stored in Redis stay usable when the issuer cannot be reached.</summary>
    /// <value>Defaults to 24 hours.</value>
    public TimeSpan JwksCacheLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Gets the development issuer's options.</summary>
    public DevelopmentIssuerOptions DevelopmentIssuer { get; } = new();

    /// <summary>Gets the downstream token options (how backends are called on the user's behalf).</summary>
    public DownstreamTokenOptions Downstream { get; } = new();
}

/// <summary>One OIDC issuer whose tokens are accepted.</summary>
public sealed class OidcIssuerOptions
{
    /// <summary>Gets or sets the issuer identifier exactly as it appears in the <c>iss</c> claim.</summary>
    public string Issuer { get; set; } = string.Empty;

    /// <summary>Gets or sets the discovery document URL.</summary>
    /// <value>Defaults to <c>{Issuer}/.well-known/openid-configuration</c>.</value>
    public string? MetadataAddress { get; set; }

    /// <summary>Gets or sets whether discovery must use HTTPS; only loopback test servers should turn it off.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Gets extra audiences accepted from this issuer (for example an Entra application's client id for v2 tokens).</summary>
    /// <value>Defaults to empty.</value>
    public IList<string> AdditionalAudiences { get; } = [];

    /// <summary>Gets or sets the claim holding roles; a dotted path reads into a JSON claim (Keycloak: <c>realm_access.roles</c>).</summary>
    /// <value>Defaults to <c>roles</c> (Entra ID app roles).</value>
    public string RolesClaim { get; set; } = "roles";

    /// <summary>Gets or sets the claim holding groups; a dotted path reads into a JSON claim.</summary>
    /// <value>Defaults to <c>groups</c>.</value>
    public string GroupsClaim { get; set; } = "groups";

    /// <summary>Gets or sets the claim used as the user id.</summary>
    /// <value>Defaults to <c>preferred_username</c>, falling back to <c>sub</c>.</value>
    public string UserIdClaim { get; set; } = "preferred_username";
}

/// <summary>The development issuer: its own RSA key, discovery, JWKS and a token endpoint for demo users. Development only.</summary>
public sealed class DevelopmentIssuerOptions
{
    /// <summary>Gets or sets whether the development issuer runs. The host refuses to start with it outside Development.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool Enabled { get; set; }

    /// <summary>Gets or sets the path the issuer is served under.</summary>
    /// <value>Defaults to <c>/dev/oidc</c>.</value>
    public string Path { get; set; } = "/dev/oidc";

    /// <summary>Gets or sets the issuer identifier; when unset it is the server's first listening address plus <see cref="Path"/>.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? Issuer { get; set; }

    /// <summary>Gets or sets how long issued tokens live.</summary>
    /// <value>Defaults to one hour.</value>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Gets the audiences the issuer exchanges tokens for (token exchange and on-behalf-of), for example a backend's
    /// <c>api://msil-sample-backend</c>. A password-grant token is only ever issued for <c>Msil:Mcp:Auth:Audience</c>;
    /// any other requested audience is refused with <c>invalid_target</c>.
    /// </summary>
    /// <value>Defaults to empty: no exchange is allowed until its audiences are listed.</value>
    public IList<string> ExchangeAudiences { get; } = [];

    /// <summary>
    /// Gets the redirect URIs the <c>/authorize</c> endpoint (authorization-code flow with PKCE, for the web consoles)
    /// may send a code to. An entry that is a path (<c>/admin/signin-oidc</c>) matches that path on any loopback origin
    /// (127.0.0.1, localhost, [::1], any port); an absolute entry matches exactly. Anything else is refused.
    /// </summary>
    /// <value>Defaults to the reference server's admin console and chat callbacks, <c>/admin/signin-oidc</c> and <c>/chat/signin-oidc</c>.</value>
    public IList<string> RedirectUris { get; } = ["/admin/signin-oidc", "/chat/signin-oidc"];

    /// <summary>Gets the addresses the <c>end_session</c> endpoint may return to after sign-out, matched like <see cref="RedirectUris"/>.</summary>
    /// <value>Defaults to <c>/admin/signout-callback-oidc</c> and <c>/chat/signout-callback-oidc</c>.</value>
    public IList<string> PostLogoutRedirectUris { get; } = ["/admin/signout-callback-oidc", "/chat/signout-callback-oidc"];

    /// <summary>Gets the demo users.</summary>
    /// <value>
    /// Defaults to alice (viewer), bob (operator), carol (admin), pim-approver (the approval system's identity) and dave
    /// (a second admin, so that a registry change carol requests can be approved: four-eyes).
    /// </value>
    public IList<DevelopmentUser> Users { get; } =
    [
        new() { Username = "alice", Roles = { "viewer" }, Groups = { "dealer-ops" } },
        new() { Username = "bob", Roles = { "operator" }, Groups = { "dealer-ops", "regional-north" } },
        new() { Username = "carol", Roles = { "admin" }, Groups = { "platform" } },
        new() { Username = "pim-approver", Roles = { "pim-approver" } },
        new() { Username = "dave", Roles = { "admin" }, Groups = { "platform" } },
    ];
}

/// <summary>A demo user of the development issuer.</summary>
public sealed class DevelopmentUser
{
    /// <summary>Gets or sets the user name (<c>preferred_username</c> is <c>{Username}@example.test</c>).</summary>
    public string Username { get; set; } = string.Empty;

    /// <summary>Gets the roles.</summary>
    public IList<string> Roles { get; } = [];

    /// <summary>Gets the groups.</summary>
    public IList<string> Groups { get; } = [];
}

/// <summary>How a backend token is obtained for the user.</summary>
public enum DownstreamTokenMode
{
    /// <summary>No user token is sent to backends.</summary>
    None,

    /// <summary>RFC 8693 token exchange: the user as subject, this server as actor.</summary>
    TokenExchange,

    /// <summary>Entra ID on-behalf-of (<c>urn:ietf:params:oauth:grant-type:jwt-bearer</c>).</summary>
    OnBehalfOf,

    /// <summary>The server's own client-credentials token (no user context).</summary>
    ClientCredentials,

    /// <summary>The caller's token is forwarded as is. Violates the MCP rule against token passthrough; a warning is logged at start.</summary>
    Passthrough,
}

/// <summary>Options for downstream tokens.</summary>
public sealed class DownstreamTokenOptions
{
    /// <summary>Gets or sets the mode.</summary>
    /// <value>Defaults to <see cref="DownstreamTokenMode.None"/>.</value>
    public DownstreamTokenMode Mode { get; set; } = DownstreamTokenMode.None;

    /// <summary>Gets or sets the token endpoint; with the development issuer enabled and this unset, the development issuer's own.</summary>
    public string? TokenEndpoint { get; set; }

    /// <summary>Gets or sets this server's client id at the token endpoint.</summary>
    /// <value>Defaults to <c>msil-mcp-server</c>.</value>
    public string ClientId { get; set; } = "msil-mcp-server";

    /// <summary>Gets or sets this server's client secret (from a secret store; never logged).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Gets or sets how long before expiry a cached token is renewed.</summary>
    /// <value>Defaults to 60 seconds.</value>
    public TimeSpan RefreshBeforeExpiry { get; set; } = TimeSpan.FromSeconds(60);
}
