using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Msil.Mcp.Auth.Development;

namespace Msil.Mcp.Auth.Validation;

/// <summary>
/// The issuers this server trusts, each with validation parameters built once: keys from OIDC discovery (refreshed at
/// most once per 30 s for an unknown <c>kid</c>) or, for the development issuer, its in-process key.
/// </summary>
internal sealed class IssuerRegistry
{
    private static readonly TimeSpan UnknownKidRefreshInterval = TimeSpan.FromSeconds(30);

    private readonly IOptionsMonitor<MsilAuthOptions> _options;
    private readonly DevelopmentIssuer? _development;
    private readonly IHttpClientFactory _httpClientFactory;
    private ConcurrentDictionary<string, TokenValidationParameters> _parameters = new(StringComparer.Ordinal);

    private readonly AuthRedis _redis;
    private readonly ILogger<IssuerRegistry> _logger;

    public IssuerRegistry(IOptionsMonitor<MsilAuthOptions> options, IHttpClientFactory httpClientFactory, AuthRedis redis, ILogger<IssuerRegistry> logger, DevelopmentIssuer? development = null)
    {
        _options = options;
        _httpClientFactory = httpClientFactory;
        _redis = redis;
        _logger = logger;
        _development = options.CurrentValue.DevelopmentIssuer.Enabled ? development : null;

        // A reload may add, drop or change issuers: validators are rebuilt from the new options.
        options.OnChange(_ => Volatile.Write(ref _parameters, new ConcurrentDictionary<string, TokenValidationParameters>(StringComparer.Ordinal)));
    }

    public const string HttpClientName = "Msil.Mcp.Auth.Oidc";

    /// <summary>Gets the validation parameters for tokens from <paramref name="issuer"/>, or <see langword="null"/> when it is not trusted.</summary>
    /// <remarks>
    /// The cache is keyed by the configured issuer, never by the token's <c>iss</c>: variants of a configured issuer (trailing
    /// slashes) share its validator and its keys, and an issuer that is not configured gets no entry and causes no fetch. The
    /// cache so holds at most one entry per configured issuer (plus the development issuer) and is emptied when the options change.
    /// </remarks>
    public TokenValidationParameters? Get(string issuer)
    {
        // Accepted: the configured issuer with or without one trailing slash. Anything else is refused here, before a
        // validator is looked up, so a variant can neither create an entry nor trigger a key refresh.
        var key = Normalize(issuer);
        if (key.Length == 0 || issuer.Length - key.Length > 1)
        {
            return null;
        }

        var cache = Volatile.Read(ref _parameters);
        if (cache.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var built = Build(key);
        return built is null ? null : cache.GetOrAdd(key, built);
    }

    /// <summary>Gets the configured issuer options for <paramref name="issuer"/>, or <see langword="null"/> (development issuer or unknown).</summary>
    public OidcIssuerOptions? Configured(string? issuer)
    {
        if (issuer is null)
        {
            return null;
        }

        foreach (var configured in _options.CurrentValue.Issuers)
        {
            if (string.Equals(Normalize(configured.Issuer), Normalize(issuer), StringComparison.Ordinal))
            {
                return configured;
            }
        }

        return null;
    }

    /// <summary>The issuer without trailing slashes: the form configured issuers and token issuers are compared in.</summary>
    internal static string Normalize(string issuer) => issuer.TrimEnd('/');

    public IEnumerable<string> AuthorizationServers()
    {
        if (_development is not null)
        {
            yield return _development.Issuer;
        }

        foreach (var i in _options.CurrentValue.Issuers)
        {
            yield return i.Issuer;
        }
    }

    /// <summary>Builds the validator of the configured issuer whose normalized form is <paramref name="key"/>; nothing for any other issuer.</summary>
    private TokenValidationParameters? Build(string key)
    {
        var options = _options.CurrentValue;
        var algorithms = options.ValidAlgorithms.Where(a => !IsRefusedAlgorithm(a)).ToArray();
        if (_development is not null && string.Equals(key, Normalize(_development.Issuer), StringComparison.Ordinal))
        {
            var dev = Common(options, _development.Issuer, algorithms, []);
            dev.IssuerSigningKey = _development.Key;
            return dev;
        }

        foreach (var configured in options.Issuers)
        {
            if (!string.Equals(Normalize(configured.Issuer), key, StringComparison.Ordinal))
            {
                continue;
            }

            var metadata = configured.MetadataAddress ?? key + "/.well-known/openid-configuration";
            var http = new HttpDocumentRetriever(_httpClientFactory.CreateClient(HttpClientName)) { RequireHttps = configured.RequireHttpsMetadata };
            var retriever = new SharedJwksRetriever(http, configured.Issuer, metadata, _redis.Database, options.JwksCacheLifetime, _logger);
            var manager = new ConfigurationManager<OpenIdConnectConfiguration>(metadata, new OpenIdConnectConfigurationRetriever(), retriever)
            {
                RefreshInterval = UnknownKidRefreshInterval,
                AutomaticRefreshInterval = TimeSpan.FromHours(12),
            };
            var external = Common(options, configured.Issuer, algorithms, configured.AdditionalAudiences);
            external.ConfigurationManager = manager;
            return external;
        }

        return null;
    }

    private static TokenValidationParameters Common(MsilAuthOptions options, string issuer, string[] algorithms, IEnumerable<string> extraAudiences) => new()
    {
        // The configured issuer, with or without one trailing slash; any other variant is refused.
        ValidIssuers = [Normalize(issuer), Normalize(issuer) + "/"],
        ValidAudiences = [options.Audience, .. extraAudiences],
        ValidAlgorithms = algorithms,
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        ValidateIssuerSigningKey = true,
        ClockSkew = options.ClockSkew,
        NameClaimType = "preferred_username",
        RoleClaimType = "roles",
        AuthenticationType = MsilAuthDefaults.AuthenticationScheme,
    };

    internal static bool IsRefusedAlgorithm(string algorithm)
        => string.IsNullOrWhiteSpace(algorithm)
           || algorithm.Equals("none", StringComparison.OrdinalIgnoreCase)
           || algorithm.StartsWith("HS", StringComparison.OrdinalIgnoreCase);
}
