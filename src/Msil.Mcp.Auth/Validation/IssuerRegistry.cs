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
    private readonly ConcurrentDictionary<string, TokenValidationParameters> _parameters = new(StringComparer.Ordinal);

    private readonly AuthRedis _redis;
    private readonly ILogger<IssuerRegistry> _logger;

    public IssuerRegistry(IOptionsMonitor<MsilAuthOptions> options, IHttpClientFactory httpClientFactory, AuthRedis redis, ILogger<IssuerRegistry> logger, DevelopmentIssuer? development = null)
    {
        _options = options;
        _httpClientFactory = httpClientFactory;
        _redis = redis;
        _logger = logger;
        _development = options.CurrentValue.DevelopmentIssuer.Enabled ? development : null;
    }

    public const string HttpClientName = "Msil.Mcp.Auth.Oidc";

    /// <summary>Gets the validation parameters for tokens from <paramref name="issuer"/>, or <see langword="null"/> when it is not trusted.</summary>
    public TokenValidationParameters? Get(string issuer)
    {
        if (_parameters.TryGetValue(issuer, out var cached))
        {
            return cached;
        }

        var built = Build(issuer);
        return built is null ? null : _parameters.GetOrAdd(issuer, built);
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
            if (string.Equals(configured.Issuer.TrimEnd('/'), issuer.TrimEnd('/'), StringComparison.Ordinal))
            {
                return configured;
            }
        }

        return null;
    }

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

    private TokenValidationParameters? Build(string issuer)
    {
        var options = _options.CurrentValue;
        var algorithms = options.ValidAlgorithms.Where(a => !IsRefusedAlgorithm(a)).ToArray();
        if (_development is not null && string.Equals(issuer, _development.Issuer, StringComparison.Ordinal))
        {
            var dev = Common(options, issuer, algorithms, []);
            dev.IssuerSigningKey = _development.Key;
            return dev;
        }

        foreach (var configured in options.Issuers)
        {
            if (!string.Equals(configured.Issuer.TrimEnd('/'), issuer.TrimEnd('/'), StringComparison.Ordinal))
            {
                continue;
            }

            var metadata = configured.MetadataAddress ?? configured.Issuer.TrimEnd('/') + "/.well-known/openid-configuration";
            var http = new HttpDocumentRetriever(_httpClientFactory.CreateClient(HttpClientName)) { RequireHttps = configured.RequireHttpsMetadata };
            var retriever = new SharedJwksRetriever(http, issuer, metadata, _redis.Database, options.JwksCacheLifetime, _logger);
            var manager = new ConfigurationManager<OpenIdConnectConfiguration>(metadata, new OpenIdConnectConfigurationRetriever(), retriever)
            {
                RefreshInterval = UnknownKidRefreshInterval,
                AutomaticRefreshInterval = TimeSpan.FromHours(12),
            };
            var external = Common(options, issuer, algorithms, configured.AdditionalAudiences);
            external.ConfigurationManager = manager;
            return external;
        }

        return null;
    }

    private static TokenValidationParameters Common(MsilAuthOptions options, string issuer, string[] algorithms, IEnumerable<string> extraAudiences) => new()
    {
        ValidIssuer = issuer,
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
