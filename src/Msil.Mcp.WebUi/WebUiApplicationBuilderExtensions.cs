using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Msil.Mcp.WebUi;
using Msil.Mcp.WebUi.Security;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Mounts a web console registered with <c>AddMsilWebUi</c> under a path of the host.</summary>
public static class WebUiApplicationBuilderExtensions
{
    /// <summary>
    /// Mounts the console named <paramref name="console"/>, whose root component is <typeparamref name="TApp"/>, at
    /// <paramref name="path"/> in its own branch of the pipeline: security headers, its own routing, sign-in with its own
    /// cookie and OIDC schemes (<c>{path}/signin</c>, <c>{path}/signout</c>, the OIDC callbacks), antiforgery, the static
    /// assets and the Blazor endpoints, which require a signed-in session. Nothing outside <paramref name="path"/> changes.
    /// </summary>
    /// <typeparam name="TApp">The console's root component (the HTML document).</typeparam>
    /// <param name="app">The host's pipeline.</param>
    /// <param name="console">The console's name, as given to <c>AddMsilWebUi</c>.</param>
    /// <param name="path">Where to mount it, for example <c>/admin</c>; not the root.</param>
    /// <returns>The host's pipeline.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="app"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or the root.</exception>
    /// <exception cref="InvalidOperationException">The console was not registered with <c>AddMsilWebUi</c>.</exception>
    public static IApplicationBuilder MapMsilWebUi<TApp>(this IApplicationBuilder app, string console, string path)
        where TApp : Microsoft.AspNetCore.Components.IComponent
        => MapMsilWebUi<TApp>(app, console, path, null);

    /// <summary>
    /// Mounts the console like <see cref="MapMsilWebUi{TApp}(IApplicationBuilder, string, string)"/>, with extra endpoints
    /// of the console's own (for example a download) mapped inside its branch, behind its signed-in session.
    /// </summary>
    /// <typeparam name="TApp">The console's root component (the HTML document).</typeparam>
    /// <param name="app">The host's pipeline.</param>
    /// <param name="console">The console's name, as given to <c>AddMsilWebUi</c>.</param>
    /// <param name="path">Where to mount it, for example <c>/admin</c>; not the root.</param>
    /// <param name="endpoints">Maps the console's own endpoints (relative to <paramref name="path"/>); each requires the session. May be <see langword="null"/>.</param>
    /// <returns>The host's pipeline.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="app"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or the root.</exception>
    /// <exception cref="InvalidOperationException">The console was not registered with <c>AddMsilWebUi</c>.</exception>
    public static IApplicationBuilder MapMsilWebUi<TApp>(this IApplicationBuilder app, string console, string path, Action<IEndpointRouteBuilder>? endpoints)
        where TApp : Microsoft.AspNetCore.Components.IComponent
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentException.ThrowIfNullOrWhiteSpace(console);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var mount = new PathString("/" + path.Trim('/'));
        if (mount == "/")
        {
            throw new ArgumentException("Mount the console under a path such as /admin, not at the root.", nameof(path));
        }

        if (!app.ApplicationServices.GetServices<WebUiConsoleMarker>().Any(m => m.Name == console))
        {
            throw new InvalidOperationException($"The console '{console}' is not registered: call services.AddMsilWebUi(\"{console}\", …) (or the console's own Add method) before mapping it.");
        }

        var options = app.ApplicationServices.GetRequiredService<IOptionsMonitor<MsilWebUiOptions>>().Get(console);
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Msil.Mcp.WebUi");
        Log.ConsoleMounted(logger, console, mount.Value!, options.Authority?.GetLeftPart(UriPartial.Path) ?? "(none)");

        var session = new AuthorizationPolicyBuilder(WebUiSchemes.Cookie(console)).RequireAuthenticatedUser().Build();
        app.Map(mount, branch =>
        {
            branch.UseMiddleware<SecurityHeadersMiddleware>(console);
            branch.UseRouting();
            // The OIDC callbacks are matched here, below the mount path; the host's default (bearer) scheme is not used.
            // Only this console's handler may answer: every console's callback is /signin-oidc below its own mount, and
            // UseAuthentication() would let the first registered console's handler take (and fail) another console's callback.
            branch.Use(async (context, next) =>
            {
                context.Features.Set<IAuthenticationFeature>(new AuthenticationFeature { OriginalPath = context.Request.Path, OriginalPathBase = context.Request.PathBase });
                var handlers = context.RequestServices.GetRequiredService<IAuthenticationHandlerProvider>();
                if (await handlers.GetHandlerAsync(context, WebUiSchemes.Oidc(console)).ConfigureAwait(false) is IAuthenticationRequestHandler own
                    && await own.HandleRequestAsync().ConfigureAwait(false))
                {
                    return;
                }

                await next(context).ConfigureAwait(false);
            });
            branch.Use(async (context, next) =>
            {
                var result = await context.AuthenticateAsync(WebUiSchemes.Cookie(console)).ConfigureAwait(false);
                if (result.Succeeded)
                {
                    context.User = result.Principal;
                }

                await next(context).ConfigureAwait(false);
            });
            branch.UseAuthorization();
            branch.UseAntiforgery();
            branch.UseEndpoints(routes =>
            {
                MapAssets(routes);
                if (endpoints is not null)
                {
                    var own = routes.MapGroup(string.Empty).RequireAuthorization(session);
                    endpoints(own);
                }

                routes.MapGet("/signin", (HttpContext context, string? returnUrl) => Results.Challenge(
                    new AuthenticationProperties { RedirectUri = context.Request.PathBase + LocalPath(returnUrl) },
                    [WebUiSchemes.Oidc(console)])).AllowAnonymous();
                routes.MapGet("/signin-failed", (HttpContext context) => Results.Content(
                    $"<!doctype html><html lang=\"en\"><title>Sign-in failed</title><main><h1>Sign-in failed</h1><p>The sign-in could not be completed. <a href=\"{context.Request.PathBase}/signin\">Try again</a>.</p></main></html>",
                    "text/html; charset=utf-8")).AllowAnonymous();
                routes.MapPost("/signout", async (HttpContext context, IAntiforgery antiforgery) =>
                {
                    if (!await antiforgery.IsRequestValidAsync(context).ConfigureAwait(false))
                    {
                        return Results.Problem(statusCode: 400, title: "Sign-out refused", detail: "The form's antiforgery token is missing or invalid: sign out from the console's own Sign out button.");
                    }

                    return Results.SignOut(new AuthenticationProperties { RedirectUri = context.Request.PathBase + "/" }, [WebUiSchemes.Cookie(console), WebUiSchemes.Oidc(console)]);
                }).RequireAuthorization(session).DisableAntiforgery();
                routes.MapRazorComponents<TApp>()
                    .AddInteractiveServerRenderMode()
                    .RequireAuthorization(session);
            });
        });
        return app;
    }

    private static void MapAssets(IEndpointRouteBuilder endpoints)
    {
        var environment = endpoints.ServiceProvider.GetRequiredService<IWebHostEnvironment>();
        var manifest = Path.Combine(AppContext.BaseDirectory, environment.ApplicationName + ".staticwebassets.endpoints.json");
        if (File.Exists(manifest))
        {
            endpoints.MapStaticAssets();
        }
    }

    /// <summary>Returns <paramref name="returnUrl"/> when it is a path inside the console, else <c>/</c> (no open redirect).</summary>
    internal static string LocalPath(string? returnUrl)
        => returnUrl is { Length: > 0 } && returnUrl[0] == '/' && (returnUrl.Length == 1 || (returnUrl[1] != '/' && returnUrl[1] != '\\')) ? returnUrl : "/";
}
