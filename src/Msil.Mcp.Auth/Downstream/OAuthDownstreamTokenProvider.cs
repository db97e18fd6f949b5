using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Auth.Development;

namespace Msil.Mcp.Auth.Downstream;

/// <summary>
/// Gets backend tokens by token exchange (RFC 8693), on-behalf-of or client credentials, cached per user and audience
/// until shortly before expiry. Passthrough forwards the caller's token only when configured explicitly.
/// </summary>
internal sealed class OAuthDownstreamTokenProvider : IDownstreamTokenProvider
{
    public const string HttpClientName = "Msil.Mcp.Auth.Downstream";

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly IOptionsMonitor<MsilAuthOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<OAuthDownstreamTokenProvider> _logger;
    private readonly DevelopmentIssuer? _development;
    private readonly ConcurrentDictionary<string, CachedToken> _cache = new(StringComparer.Ordinal);

    public OAuthDownstreamTokenProvider(
        IHttpClientFactory httpClientFactory,
        IOptionsMonitor<MsilAuthOptions> options,
        TimeProvider time,
        ILogger<OAuthDownstreamTokenProvider> logger,
        DevelopmentIssuer? development = null)
    {
        _httpClientFactory = httpClientFactory;
        _options = options;
        _time = time;
        _logger = logger;
        _development = options.CurrentValue.DevelopmentIssuer.Enabled ? development : null;
    }

    public async ValueTask<SensitiveString?> GetTokenAsync(CallerIdentity caller, SensitiveString? subjectToken, string audience, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var options = _options.CurrentValue.Downstream;
        switch (options.Mode)
        {
            case DownstreamTokenMode.None:
                return null;
            case DownstreamTokenMode.Passthrough:
                return subjectToken;
        }

        var userKey = options.Mode == DownstreamTokenMode.ClientCredentials ? "(client)" : caller.Subject + "|" + caller.Issuer;
        var key = userKey + "|" + audience;
        var now = _time.GetUtcNow();
        if (_cache.TryGetValue(key, out var cached) && cached.ExpiresAt - options.RefreshBeforeExpiry > now)
        {
            return cached.Token;
        }

        if (options.Mode != DownstreamTokenMode.ClientCredentials && subjectToken is null)
        {
            throw new DownstreamTokenException("The backend needs a token on the user's behalf, but the call carries no user token.");
        }

        var form = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["client_id"] = options.ClientId,
        };
        if (!string.IsNullOrEmpty(options.ClientSecret))
        {
            form["client_secret"] = options.ClientSecret;
        }
        else if (options.TokenEndpoint is null && _development is not null)
        {
            // The in-process development issuer authenticates this server by a secret made at start.
            form["client_secret"] = _development.ClientSecret;
        }

        switch (options.Mode)
        {
            case DownstreamTokenMode.TokenExchange:
                form["grant_type"] = DevelopmentIssuer.TokenExchangeGrant;
                form["subject_token"] = subjectToken!.Reveal();
                form["subject_token_type"] = DevelopmentIssuer.AccessTokenType;
                form["requested_token_type"] = DevelopmentIssuer.AccessTokenType;
                form["audience"] = audience;
                break;
            case DownstreamTokenMode.OnBehalfOf:
                form["grant_type"] = DevelopmentIssuer.JwtBearerGrant;
                form["assertion"] = subjectToken!.Reveal();
                form["requested_token_use"] = "on_behalf_of";
                form["scope"] = audience.TrimEnd('/') + "/.default";
                break;
            default:
                form["grant_type"] = "client_credentials";
                form["scope"] = audience.TrimEnd('/') + "/.default";
                form["audience"] = audience;
                break;
        }

        var endpoint = options.TokenEndpoint ?? _development?.TokenEndpoint
            ?? throw new DownstreamTokenException("Msil:Mcp:Auth:Downstream:TokenEndpoint is not set.");
        using var activity = Validation.AuthMetrics.Source.StartActivity("exchange token", System.Diagnostics.ActivityKind.Client);
        activity?.SetTag("msil.auth.downstream.mode", options.Mode.ToString());
        activity?.SetTag("msil.auth.audience", audience);
        var client = _httpClientFactory.CreateClient(HttpClientName);
        using var content = new FormUrlEncodedContent(form);
        using var response = await client.PostAsync(new Uri(endpoint), content, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            Log.DownstreamTokenFailed(_logger, audience, (int)response.StatusCode);
            throw new DownstreamTokenException($"The token endpoint refused the {options.Mode} request for audience '{audience}' (HTTP {(int)response.StatusCode}).");
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using var streamScope = stream.ConfigureAwait(false);
        using var doc = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!doc.RootElement.TryGetProperty("access_token", out var tokenElement) || tokenElement.ValueKind != JsonValueKind.String)
        {
            throw new DownstreamTokenException("The token endpoint's answer has no access_token.");
        }

        var lifetime = doc.RootElement.TryGetProperty("expires_in", out var exp) && exp.TryGetInt32(out var seconds) ? seconds : 300;
        var token = new SensitiveString(tokenElement.GetString()!);
        _cache[key] = new CachedToken(token, now.AddSeconds(lifetime));
        return token;
    }

    private sealed record CachedToken(SensitiveString Token, DateTimeOffset ExpiresAt);
}
