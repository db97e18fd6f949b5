using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Msil.Mcp.Hosting;

namespace Msil.Mcp.Auth.Development;

/// <summary>Discovery, JWKS, token, authorize (login page) and end-session endpoints of the development issuer.</summary>
internal sealed partial class DevelopmentIssuerEndpoints(
    DevelopmentIssuer issuer,
    IOptionsMonitor<MsilAuthOptions> options,
    DevelopmentAuthorizationCodes codes,
    ILogger<DevelopmentIssuerEndpoints> logger) : IMsilMcpEndpointContributor
{
    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        var path = options.CurrentValue.DevelopmentIssuer.Path.TrimEnd('/');
        var group = endpoints.MapGroup(path).AllowAnonymous().ExcludeFromDescription();
        group.MapGet("/.well-known/openid-configuration", (RequestDelegate)DiscoveryAsync);
        group.MapGet("/jwks", (RequestDelegate)JwksAsync);
        group.MapPost("/token", (RequestDelegate)TokenAsync).DisableAntiforgery();
        group.MapGet("/authorize", (RequestDelegate)AuthorizePageAsync);
        group.MapPost("/authorize", (RequestDelegate)AuthorizeAsync).DisableAntiforgery();
        group.MapGet("/end_session", (RequestDelegate)EndSessionAsync);
    }

    private Task DiscoveryAsync(HttpContext context)
    {
        var doc = new DiscoveryDocument(
            Issuer: issuer.Issuer,
            JwksUri: issuer.Issuer + "/jwks",
            TokenEndpoint: issuer.TokenEndpoint,
            AuthorizationEndpoint: issuer.AuthorizationEndpoint,
            EndSessionEndpoint: issuer.EndSessionEndpoint,
            GrantTypesSupported: ["authorization_code", "password", DevelopmentIssuer.TokenExchangeGrant, DevelopmentIssuer.JwtBearerGrant],
            ResponseTypesSupported: ["code"],
            ResponseModesSupported: ["query"],
            CodeChallengeMethodsSupported: ["S256"],
            ScopesSupported: ["openid", "profile"],
            ClaimsSupported: ["sub", "oid", "name", "preferred_username", "roles", "groups"],
            SubjectTypesSupported: ["public"],
            IdTokenSigningAlgValuesSupported: ["RS256"],
            TokenEndpointAuthMethodsSupported: ["none", "client_secret_post"]);
        return WriteJsonAsync(context, doc, DevelopmentIssuerJsonContext.Default.DiscoveryDocument, StatusCodes.Status200OK);
    }

    private Task JwksAsync(HttpContext context)
    {
        var jwk = issuer.Jwk;
        var doc = new JwksDocument([new JwkDocument(jwk.Kty, jwk.Use, jwk.Alg, jwk.Kid, jwk.N, jwk.E)]);
        return WriteJsonAsync(context, doc, DevelopmentIssuerJsonContext.Default.JwksDocument, StatusCodes.Status200OK);
    }

    private async Task TokenAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            await ErrorAsync(context, "invalid_request", "Send application/x-www-form-urlencoded with the field 'username' (alice, bob, carol, …).").ConfigureAwait(false);
            return;
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var grant = form["grant_type"].ToString();
        if (grant is DevelopmentIssuer.TokenExchangeGrant or DevelopmentIssuer.JwtBearerGrant)
        {
            // RFC 8693 token exchange, or Entra's on-behalf-of (jwt-bearer assertion, scope "{audience}/.default").
            var onBehalfOf = grant == DevelopmentIssuer.JwtBearerGrant;
            var subject = onBehalfOf ? form["assertion"].ToString() : form["subject_token"].ToString();
            var audience = onBehalfOf ? AudienceFromScope(form["scope"].ToString()) : form["audience"].ToString();
            if (audience.Length == 0)
            {
                audience = form["resource"].ToString();
            }

            if (subject.Length == 0 || audience.Length == 0)
            {
                await ErrorAsync(context, "invalid_request", onBehalfOf
                    ? "On-behalf-of needs 'assertion' and 'scope' ({audience}/.default)."
                    : "Token exchange needs 'subject_token' and 'audience'.").ConfigureAwait(false);
                return;
            }

            // Only this server, authenticated as its client, may exchange a user's token, and only for a configured audience:
            // otherwise anyone holding a token could get one for a backend and reach it around the governed pipeline.
            var clientId = form["client_id"].ToString();
            if (!issuer.AuthenticatesClient(clientId, form["client_secret"].ToString()))
            {
                await ErrorAsync(context, "invalid_client", "Token exchange needs this server's client credentials (client_id and client_secret, Msil:Mcp:Auth:Downstream).", StatusCodes.Status401Unauthorized).ConfigureAwait(false);
                return;
            }

            if (!issuer.ExchangesFor(audience))
            {
                await ErrorAsync(context, "invalid_target", "The development issuer does not exchange tokens for that audience: list it in Msil:Mcp:Auth:DevelopmentIssuer:ExchangeAudiences.").ConfigureAwait(false);
                return;
            }

            var exchanged = await issuer.ExchangeAsync(subject, audience, clientId).ConfigureAwait(false);
            if (exchanged is null)
            {
                await ErrorAsync(context, "invalid_grant", "The subject token is not valid.").ConfigureAwait(false);
                return;
            }

            await TokenResponseAsync(context, exchanged.Value.Token, exchanged.Value.ExpiresIn, issued: DevelopmentIssuer.AccessTokenType).ConfigureAwait(false);
            return;
        }

        if (grant == "authorization_code")
        {
            await CodeGrantAsync(context, form).ConfigureAwait(false);
            return;
        }

        if (grant.Length > 0 && grant != "password")
        {
            await ErrorAsync(context, "unsupported_grant_type", $"Grant '{grant}' is not supported; use 'password' (field 'username') or token exchange.").ConfigureAwait(false);
            return;
        }

        var username = form["username"].ToString();
        var user = issuer.FindUser(username);
        if (user is null)
        {
            var known = string.Join(", ", options.CurrentValue.DevelopmentIssuer.Users.Select(u => u.Username));
            await ErrorAsync(context, "invalid_grant", $"Unknown user '{(username.Length > 64 ? username[..64] : username)}'. Known demo users: {known}.").ConfigureAwait(false);
            return;
        }

        var requested = form["audience"].ToString();
        if (requested.Length > 0 && !string.Equals(requested, issuer.Audience, StringComparison.Ordinal))
        {
            await ErrorAsync(context, "invalid_target", $"The development issuer issues demo tokens only for this server's audience, '{issuer.Audience}' (Msil:Mcp:Auth:Audience).").ConfigureAwait(false);
            return;
        }

        var (token, expiresIn) = issuer.IssueForUser(user);
        await TokenResponseAsync(context, token, expiresIn, issued: null).ConfigureAwait(false);
    }

    private static string AudienceFromScope(string scope)
    {
        var first = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? string.Empty;
        return first.EndsWith("/.default", StringComparison.Ordinal) ? first[..^"/.default".Length] : first;
    }

    private static Task TokenResponseAsync(HttpContext context, string token, int expiresIn, string? issued)
    {
        context.Response.Headers.CacheControl = "no-store";
        var doc = new TokenResponse(token, "Bearer", expiresIn, IssuedTokenType: issued);
        return WriteJsonAsync(context, doc, DevelopmentIssuerJsonContext.Default.TokenResponse, StatusCodes.Status200OK);
    }

    private static Task ErrorAsync(HttpContext context, string error, string description, int status = StatusCodes.Status400BadRequest)
        => WriteJsonAsync(context, new OAuthErrorResponse(error, description), DevelopmentIssuerJsonContext.Default.OAuthErrorResponse, status);

    // The media type as before (no charset parameter); the body is UTF-8 JSON either way.
    private static Task WriteJsonAsync<T>(HttpContext context, T body, JsonTypeInfo<T> type, int status)
        => TypedResults.Json(body, type, "application/json", status).ExecuteAsync(context);
}
