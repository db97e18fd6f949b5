using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Msil.Mcp.WebUi.Security;

/// <summary>
/// Adds a strict Content-Security-Policy and the usual hardening headers to every answer of a console. Scripts come
/// only from the console itself (no inline script, no eval); the only relaxation is inline styles, which Fluent UI's
/// web components set on their elements. Forms may post only to the console and its OIDC authority (sign-out).
/// </summary>
internal sealed class SecurityHeadersMiddleware(RequestDelegate next, string console, IOptionsMonitor<MsilWebUiOptions> options)
{
    public Task InvokeAsync(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = Policy(options.Get(console).Authority);
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
        return next(context);
    }

    /// <summary>Builds the policy; <paramref name="authority"/>'s origin may receive form posts (sign-out redirects there).</summary>
    internal static string Policy(Uri? authority)
    {
        var formAction = authority is { IsAbsoluteUri: true } ? "'self' " + authority.GetLeftPart(UriPartial.Authority) : "'self'";
        return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; "
            + "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action " + formAction;
    }
}
