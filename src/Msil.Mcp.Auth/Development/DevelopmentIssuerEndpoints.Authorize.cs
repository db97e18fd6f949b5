using System.Net;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

namespace Msil.Mcp.Auth.Development;

/// <summary>
/// The authorization-code flow with PKCE for the web consoles: a login page listing the demo users (one button each,
/// antiforgery-protected, no script and no inline style), the code exchange on <c>/token</c>, and end-session.
/// Development only, like the rest of the issuer.
/// </summary>
internal sealed partial class DevelopmentIssuerEndpoints
{
    private static readonly string[] AuthorizeFields = ["response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge", "code_challenge_method"];

    private async Task AuthorizePageAsync(HttpContext context)
    {
        var request = Fields(context.Request.Query);
        if (await RefuseAuthorizeAsync(context, request).ConfigureAwait(false))
        {
            return;
        }

        var antiforgery = context.RequestServices.GetRequiredService<IAntiforgery>();
        var tokens = antiforgery.GetAndStoreTokens(context);
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<title>Sign in - Msil.Mcp development issuer</title></head><body><main><h1>Sign in</h1>")
            .Append("<p>Development issuer: choose a demo user to sign in to <strong>").Append(Encode(request["client_id"])).Append("</strong>. ")
            .Append("It gives tokens to anyone and only runs in Development.</p>")
            .Append("<form method=\"post\" action=\"").Append(Encode(context.Request.PathBase + context.Request.Path)).Append("\">")
            .Append("<input type=\"hidden\" name=\"").Append(Encode(tokens.FormFieldName)).Append("\" value=\"").Append(Encode(tokens.RequestToken)).Append("\">");
        foreach (var field in AuthorizeFields)
        {
            html.Append("<input type=\"hidden\" name=\"").Append(field).Append("\" value=\"").Append(Encode(request[field])).Append("\">");
        }

        html.Append("<ul>");
        foreach (var user in options.CurrentValue.DevelopmentIssuer.Users)
        {
            html.Append("<li><button type=\"submit\" name=\"username\" value=\"").Append(Encode(user.Username)).Append("\">Sign in as ")
                .Append(Encode(user.Username)).Append("</button> <span>roles: ").Append(Encode(string.Join(", ", user.Roles)))
                .Append("; groups: ").Append(Encode(user.Groups.Count == 0 ? "none" : string.Join(", ", user.Groups))).Append("</span></li>");
        }

        html.Append("</ul></form></main></body></html>");
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.ContentSecurityPolicy = LoginPagePolicy(request["redirect_uri"]);
        context.Response.Headers.XFrameOptions = "DENY";
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(html.ToString(), context.RequestAborted).ConfigureAwait(false);
    }

    private async Task AuthorizeAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            await PageAsync(context, 400, "Bad request", "Sign in from the login page.").ConfigureAwait(false);
            return;
        }

        var antiforgery = context.RequestServices.GetRequiredService<IAntiforgery>();
        if (!await antiforgery.IsRequestValidAsync(context).ConfigureAwait(false))
        {
            Log.AuthorizationRequestRefused(logger, "antiforgery token missing or invalid");
            await PageAsync(context, 400, "Sign-in refused", "The form's antiforgery token is missing or invalid: go back to the console and sign in again.").ConfigureAwait(false);
            return;
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var request = Fields(form);
        if (await RefuseAuthorizeAsync(context, request).ConfigureAwait(false))
        {
            return;
        }

        var user = issuer.FindUser(form["username"].ToString());
        if (user is null)
        {
            Redirect(context, request, new() { ["error"] = "access_denied", ["error_description"] = "Unknown demo user." });
            return;
        }

        var code = codes.Issue(expires => new AuthorizationCode(
            user.Username, request["client_id"], request["redirect_uri"], request["code_challenge"],
            request["nonce"].Length > 0 ? request["nonce"] : null, request["scope"], expires));
        Log.AuthorizationCodeIssued(logger, Trim(request["client_id"]));
        Redirect(context, request, new() { ["code"] = code });
    }

    private async Task CodeGrantAsync(HttpContext context, IFormCollection form)
    {
        var clientId = form["client_id"].ToString();
        var (code, error) = codes.Redeem(form["code"].ToString(), clientId, form["redirect_uri"].ToString(), form["code_verifier"].ToString());
        if (code is null)
        {
            Log.AuthorizationCodeRefused(logger, error!);
            await ErrorAsync(context, "invalid_grant", error!).ConfigureAwait(false);
            return;
        }

        var user = issuer.FindUser(code.Username);
        if (user is null)
        {
            await ErrorAsync(context, "invalid_grant", "The demo user no longer exists.").ConfigureAwait(false);
            return;
        }

        var (token, expiresIn) = issuer.IssueForUser(user);
        context.Response.Headers.CacheControl = "no-store";
        var idToken = code.Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("openid", StringComparer.Ordinal)
            ? issuer.IssueIdToken(user, code.ClientId, code.Nonce, token)
            : null;
        var doc = new TokenResponse(token, "Bearer", expiresIn, Scope: code.Scope, IdToken: idToken);
        await WriteJsonAsync(context, doc, DevelopmentIssuerJsonContext.Default.TokenResponse, StatusCodes.Status200OK).ConfigureAwait(false);
    }

    private Task EndSessionAsync(HttpContext context)
    {
        var target = context.Request.Query["post_logout_redirect_uri"].ToString();
        if (target.Length > 0 && DevelopmentAuthorizationCodes.IsRegistered(target, options.CurrentValue.DevelopmentIssuer.PostLogoutRedirectUris))
        {
            var state = context.Request.Query["state"].ToString();
            context.Response.Redirect(state.Length > 0 ? QueryHelpers.AddQueryString(target, "state", state) : target);
            return Task.CompletedTask;
        }

        return PageAsync(context, 200, "Signed out", "You are signed out of the development issuer's clients. Close this tab or go back to the console to sign in again.");
    }

    /// <summary>Answers a request that must not reach the login page; errors that may be returned to the client are redirected there.</summary>
    /// <returns><see langword="true"/> when the request was refused.</returns>
    private async Task<bool> RefuseAuthorizeAsync(HttpContext context, Dictionary<string, string> request)
    {
        // Never redirect to an address that is not registered: the error is shown here instead.
        if (request["client_id"].Length == 0)
        {
            Log.AuthorizationRequestRefused(logger, "client_id missing");
            await PageAsync(context, 400, "Sign-in refused", "'client_id' is required.").ConfigureAwait(false);
            return true;
        }

        if (!DevelopmentAuthorizationCodes.IsRegistered(request["redirect_uri"], options.CurrentValue.DevelopmentIssuer.RedirectUris))
        {
            Log.AuthorizationRequestRefused(logger, "redirect_uri not registered");
            await PageAsync(context, 400, "Sign-in refused", "'redirect_uri' is not registered: list it in Msil:Mcp:Auth:DevelopmentIssuer:RedirectUris (a path such as /admin/signin-oidc matches any loopback origin).").ConfigureAwait(false);
            return true;
        }

        if (request["response_type"] != "code")
        {
            Redirect(context, request, new() { ["error"] = "unsupported_response_type", ["error_description"] = "Only response_type=code is supported." });
            return true;
        }

        if (request["code_challenge_method"] != "S256" || request["code_challenge"].Length != 43)
        {
            Redirect(context, request, new() { ["error"] = "invalid_request", ["error_description"] = "PKCE is required: send code_challenge (43 characters) with code_challenge_method=S256." });
            return true;
        }

        return false;
    }

    private void Redirect(HttpContext context, Dictionary<string, string> request, Dictionary<string, string?> parameters)
    {
        if (request["state"].Length > 0)
        {
            parameters["state"] = request["state"];
        }

        parameters["iss"] = issuer.Issuer;
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Redirect(QueryHelpers.AddQueryString(request["redirect_uri"], parameters));
    }

    private static Dictionary<string, string> Fields(IEnumerable<KeyValuePair<string, StringValues>> source)
    {
        var values = source.ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal);
        return AuthorizeFields.ToDictionary(f => f, f => values.TryGetValue(f, out var v) ? v : string.Empty, StringComparer.Ordinal);
    }

    /// <summary>The login page's policy: nothing but the form, which may post here and be redirected to the console.</summary>
    internal static string LoginPagePolicy(string redirectUri)
    {
        var target = Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri) ? " " + uri.GetLeftPart(UriPartial.Authority) : string.Empty;
        return "default-src 'none'; form-action 'self'" + target + "; frame-ancestors 'none'; base-uri 'none'";
    }

    private static Task PageAsync(HttpContext context, int status, string title, string message)
    {
        context.Response.StatusCode = status;
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync(
            $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{Encode(title)}</title></head><body><main><h1>{Encode(title)}</h1><p>{Encode(message)}</p></main></body></html>",
            context.RequestAborted);
    }

    private static string Encode(string? value) => WebUtility.HtmlEncode(value ?? string.Empty);

    private static string Trim(string value) => value.Length > 64 ? value[..64] : value;
}
