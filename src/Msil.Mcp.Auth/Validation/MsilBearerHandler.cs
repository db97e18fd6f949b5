using System.Diagnostics;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Auth.Validation;

/// <summary>Scheme options of <see cref="MsilBearerHandler"/>; the settings live in <see cref="MsilAuthOptions"/>.</summary>
internal sealed class MsilBearerSchemeOptions : AuthenticationSchemeOptions;

/// <summary>
/// Validates <c>Authorization: Bearer</c> tokens (seed §4.1): algorithm allow-list (never <c>none</c> or HS*), trusted
/// issuer, signature, audience, lifetime with skew, required claims, size. The client only ever learns that the token
/// was refused; the reason goes to the <c>auth_failures</c> metric and to a debug log line without the token.
/// </summary>
internal sealed class MsilBearerHandler : AuthenticationHandler<MsilBearerSchemeOptions>
{
    private readonly IssuerRegistry _issuers;
    private readonly IOptionsMonitor<MsilAuthOptions> _auth;
    private readonly AuthTelemetry _metrics;
    private readonly ValidatedTokenCache _cache;
    private readonly bool _shareCachedIdentity;
    private static readonly JsonWebTokenHandler TokenHandler = new() { MapInboundClaims = false };

    public MsilBearerHandler(
        IOptionsMonitor<MsilBearerSchemeOptions> options,
        ILoggerFactory logger,
        UrlEncoder encoder,
        IssuerRegistry issuers,
        IOptionsMonitor<MsilAuthOptions> auth,
        AuthTelemetry metrics,
        ValidatedTokenCache cache,
        IClaimsTransformation? claimsTransformation = null)
        : base(options, logger, encoder)
    {
        _cache = cache;

        // With the default (no-op) claims transformation nothing changes the identity after validation, so a cache hit
        // hands out the cached read-only identity instead of copying every claim per request.
        _shareCachedIdentity = claimsTransformation is null or NoopClaimsTransformation;
        _issuers = issuers;
        _auth = auth;
        _metrics = metrics;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            if (Request.Query.ContainsKey("access_token"))
            {
                return Fail("token_in_query");
            }

            return AuthenticateResult.NoResult();
        }

        using var activity = AuthTelemetry.Source.StartActivity("authenticate bearer");
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Fail("not_bearer");
        }

        // The token is copied out of the header only when it has to be validated: a cache hit looks it up in place.
        var tokenSpan = header.AsSpan(7).Trim();
        var options = _auth.CurrentValue;
        if (tokenSpan.Length == 0)
        {
            return Fail("empty");
        }

        if (tokenSpan.Length > options.MaxTokenBytes)
        {
            return Fail("too_large");
        }

        if (_cache.TryGet(header, tokenSpan, out var cachedIdentity, _shareCachedIdentity))
        {
            return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(cachedIdentity!), Scheme.Name));
        }

        var token = tokenSpan.ToString();

        JsonWebToken unvalidated;
        try
        {
            unvalidated = TokenHandler.ReadJsonWebToken(token);
        }
        catch (ArgumentException)
        {
            return Fail("malformed");
        }

        if (IssuerRegistry.IsRefusedAlgorithm(unvalidated.Alg) || !options.ValidAlgorithms.Contains(unvalidated.Alg, StringComparer.Ordinal))
        {
            return Fail("algorithm");
        }

        var parameters = _issuers.Get(unvalidated.Issuer ?? string.Empty);
        if (parameters is null)
        {
            return Fail("unknown_issuer");
        }

        TokenValidationResult result;
        try
        {
            result = await TokenHandler.ValidateTokenAsync(token, parameters).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Fail("validation_error");
        }

        if (!result.IsValid)
        {
            if (result.Exception is SecurityTokenInvalidAudienceException)
            {
                // Expected and actual audiences, never the token; the token's values are bounded (caller input).
                var expected = parameters.ValidAudiences?.Any() == true ? string.Join(", ", parameters.ValidAudiences) : parameters.ValidAudience ?? "(none)";
                var actual = unvalidated.Audiences.Any() ? CallerText.Bound(string.Join(", ", unvalidated.Audiences.Take(4))) : "(none)";
                Log.WrongAudience(Logger, expected, actual, CallerText.Bound(unvalidated.Issuer));
            }

            return Fail(ReasonOf(result.Exception));
        }

        var jwt = (JsonWebToken)result.SecurityToken;
        foreach (var claim in options.RequiredClaims)
        {
            if (!jwt.TryGetPayloadValue<object>(claim, out var value) || value is null || (value is string s && s.Length == 0))
            {
                return Fail("missing_claim");
            }
        }

        ClaimNormalizer.Normalize(result.ClaimsIdentity, _issuers.Configured(unvalidated.Issuer));
        _cache.Add(token, result.ClaimsIdentity, jwt.ValidTo == DateTime.MinValue ? DateTimeOffset.MinValue : new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero));
        var principal = new ClaimsPrincipal(result.ClaimsIdentity);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    private AuthenticateResult Fail(string reason)
    {
        _metrics.Failure(reason);
        if (Activity.Current is { } activity && activity.Source == AuthTelemetry.Source)
        {
            activity.SetTag("msil.auth.reason", reason);
            activity.SetStatus(ActivityStatusCode.Error, "token refused");
        }

        Log.TokenRejected(Logger, reason);
        return AuthenticateResult.Fail("invalid_token");
    }

    private static string ReasonOf(Exception? ex) => ex switch
    {
        SecurityTokenExpiredException => "expired",
        SecurityTokenNotYetValidException => "not_yet_valid",
        SecurityTokenInvalidAudienceException => "audience",
        SecurityTokenInvalidIssuerException => "issuer",
        SecurityTokenSignatureKeyNotFoundException => "unknown_kid",
        SecurityTokenInvalidSignatureException => "signature",
        SecurityTokenInvalidAlgorithmException => "algorithm",
        SecurityTokenNoExpirationException => "no_expiration",
        _ => "invalid",
    };
}
