using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Auth.Development;

namespace Msil.Mcp.Auth.Downstream;

/// <summary>
/// Gets backend tokens by token exchange (RFC 8693), on-behalf-of or client credentials, cached until shortly before
/// expiry. Passthrough forwards the caller's token only when configured explicitly.
/// </summary>
/// <remarks>
/// A token obtained on the user's behalf is cached under the SHA-256 of the subject token it was exchanged for (never
/// the token itself), with the caller's issuer and subject and the audience (which also determines the scope): a
/// narrower token of the same user is exchanged on its own and never reuses a broader one's result. Client-credential
/// tokens are cached per audience. Expired entries are dropped once the cache holds more than
/// <see cref="SweepThreshold"/> entries.
/// </remarks>
internal sealed class OAuthDownstreamTokenProvider : IDownstreamTokenProvider
{
    public const string HttpClientName = "Msil.Mcp.Auth.Downstream";

    /// <summary>The number of cached tokens above which a new entry first drops the expired ones.</summary>
    internal const int SweepThreshold = 1024;

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly IOptionsMonitor<MsilAuthOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<OAuthDownstreamTokenProvider> _logger;
    private readonly DevelopmentIssuer? _development;
    private readonly ConcurrentDictionary<TokenCacheKey, CachedToken> _cache = new();

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

        var key = CacheKey(options.Mode, caller, subjectToken, audience);
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
        using var activity = AuthTelemetry.Source.StartActivity("exchange token", System.Diagnostics.ActivityKind.Client);
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
        if (_cache.Count >= SweepThreshold)
        {
            foreach (var (staleKey, stale) in _cache)
            {
                if (stale.ExpiresAt <= now)
                {
                    _cache.TryRemove(new KeyValuePair<TokenCacheKey, CachedToken>(staleKey, stale));
                }
            }
        }

        _cache[key] = new CachedToken(token, now.AddSeconds(lifetime));
        return token;
    }

    /// <summary>
    /// The cache key of a downstream token: the mode and audience, and for a token on the user's behalf the caller's
    /// issuer and subject and the SHA-256 of the subject token (the token itself is never kept as a key). Built without
    /// a heap allocation: the hash is taken over the token's UTF-8 bytes in a stack (or pooled) buffer.
    /// </summary>
    internal static TokenCacheKey CacheKey(DownstreamTokenMode mode, CallerIdentity caller, SensitiveString? subjectToken, string audience)
    {
        if (mode == DownstreamTokenMode.ClientCredentials)
        {
            return new TokenCacheKey(mode, null, null, default, audience);
        }

        return new TokenCacheKey(mode, caller.Issuer ?? string.Empty, caller.Subject, subjectToken is null ? default : TokenHash.Of(subjectToken.Reveal()), audience);
    }

    private sealed record CachedToken(SensitiveString Token, DateTimeOffset ExpiresAt);
}

/// <summary>The SHA-256 of a subject token's UTF-8 bytes (all 32 bytes, so two tokens never share a cache entry by accident).</summary>
internal readonly record struct TokenHash(UInt128 High, UInt128 Low)
{
    /// <summary>Hashes <paramref name="token"/>'s UTF-8 bytes: on the stack up to 2 KB of UTF-8, else in a pooled buffer.</summary>
    public static TokenHash Of(string token)
    {
        const int StackLimit = 2048;
        var max = Encoding.UTF8.GetMaxByteCount(token.Length);
        byte[]? rented = null;
        var buffer = max <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var length = Encoding.UTF8.GetBytes(token, buffer);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(buffer[..length], hash);
            return new TokenHash(BinaryPrimitives.ReadUInt128BigEndian(hash), BinaryPrimitives.ReadUInt128BigEndian(hash[16..]));
        }
        finally
        {
            if (rented is not null)
            {
                CryptographicOperations.ZeroMemory(rented.AsSpan(0, max));
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Returns the hash as upper-case hex, as <see cref="Convert.ToHexString(byte[])"/> writes it (for tests and diagnostics).</summary>
    /// <returns>64 hex digits.</returns>
    public override string ToString()
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        BinaryPrimitives.WriteUInt128BigEndian(hash, High);
        BinaryPrimitives.WriteUInt128BigEndian(hash[16..], Low);
        return Convert.ToHexString(hash);
    }
}

/// <summary>
/// The key of a cached downstream token: value equality over the mode, the caller's issuer and subject (null for
/// client credentials), the subject token's hash and the audience. A struct, so a cache lookup allocates nothing.
/// </summary>
internal readonly record struct TokenCacheKey(DownstreamTokenMode Mode, string? Issuer, string? Subject, TokenHash SubjectTokenHash, string Audience);
