using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Msil.Mcp.WebUi.Auth;

/// <summary>
/// Finds the signed-in user's access token in the server-side session (the principal carries only the session key),
/// refreshes it with the refresh token when it is about to expire, and asks for a new sign-in when it cannot.
/// Works in an interactive circuit, where there is no <c>HttpContext</c>.
/// </summary>
internal sealed class WebUiTokenProvider(
    ServerSideTicketStore store,
    IOptionsMonitor<OpenIdConnectOptions> oidc,
    IHttpClientFactory httpClients,
    TimeProvider time,
    ILogger<WebUiTokenProvider> logger)
{
    public const string RefreshClient = "MsilWebUi.TokenRefresh";
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(30);

    public async Task<string> GetAccessTokenAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var key = user.FindFirst(WebUiClaims.SessionId)?.Value;
        var console = user.FindFirst(WebUiClaims.Console)?.Value ?? "console";
        if (key is null)
        {
            throw new MsilSignInRequiredException();
        }

        var ticket = await store.ReadAsync(key, cancellationToken).ConfigureAwait(false) ?? throw new MsilSignInRequiredException();
        var token = ticket.Properties.GetTokenValue("access_token");
        var expiresAt = ticket.Properties.GetTokenValue("expires_at");
        if (token is not null && (expiresAt is null
            || (DateTimeOffset.TryParse(expiresAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var expires) && expires - Margin > time.GetUtcNow())))
        {
            return token;
        }

        var refreshed = await RefreshAsync(console, ticket, cancellationToken).ConfigureAwait(false);
        if (refreshed is null)
        {
            Log.SignInRequired(logger, console);
            throw new MsilSignInRequiredException();
        }

        await store.WriteAsync(key, ticket, cancellationToken).ConfigureAwait(false);
        Log.TokenRefreshed(logger, console);
        return refreshed;
    }

    private async Task<string?> RefreshAsync(string console, AuthenticationTicket ticket, CancellationToken cancellationToken)
    {
        var refreshToken = ticket.Properties.GetTokenValue("refresh_token");
        if (string.IsNullOrEmpty(refreshToken))
        {
            return null;
        }

        var options = oidc.Get(WebUiSchemes.Oidc(console));
        if (options.ConfigurationManager is null)
        {
            return null;
        }

        var configuration = await options.ConfigurationManager.GetConfigurationAsync(cancellationToken).ConfigureAwait(false);
        var form = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
            ["client_id"] = options.ClientId ?? string.Empty,
        };
        if (!string.IsNullOrEmpty(options.ClientSecret))
        {
            form["client_secret"] = options.ClientSecret;
        }

        using var content = new FormUrlEncodedContent(form);
        using var response = await httpClients.CreateClient(RefreshClient).PostAsync(new Uri(configuration.TokenEndpoint), content, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            Log.TokenRefreshFailed(logger, console, (int)response.StatusCode);
            return null;
        }

        using var doc = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
        var root = doc.RootElement;
        if (!root.TryGetProperty("access_token", out var access) || access.GetString() is not { Length: > 0 } accessToken)
        {
            return null;
        }

        var tokens = ticket.Properties.GetTokens().ToDictionary(t => t.Name, t => t.Value, StringComparer.Ordinal);
        tokens["access_token"] = accessToken;
        if (root.TryGetProperty("refresh_token", out var rt) && rt.GetString() is { Length: > 0 } newRefresh)
        {
            tokens["refresh_token"] = newRefresh;
        }

        var lifetime = root.TryGetProperty("expires_in", out var ei) && ei.TryGetInt32(out var seconds) ? seconds : 300;
        tokens["expires_at"] = (time.GetUtcNow() + TimeSpan.FromSeconds(lifetime)).ToString("o", CultureInfo.InvariantCulture);
        ticket.Properties.StoreTokens(tokens.Select(t => new AuthenticationToken { Name = t.Key, Value = t.Value }));
        return accessToken;
    }
}
