using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.FluentUI.AspNetCore.Components;
using Msil.Mcp.WebUi;
using Msil.Mcp.WebUi.Auth;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a web console (Blazor interactive server, Fluent UI, OIDC sign-in into a server-side session) on the shared shell.</summary>
public static class WebUiServiceCollectionExtensions
{
    /// <summary>
    /// Registers the console named <paramref name="console"/>: its options (validated at start), its own cookie and OIDC
    /// schemes (<see cref="WebUiSchemes"/>; the host's default scheme is left alone), the server-side session store, the
    /// Blazor and Fluent UI services and the <see cref="MsilApiClient"/>. Idempotent per console.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="console">The console's name (for example <c>admin</c>); names its schemes, cookie and options.</param>
    /// <param name="configurationSection">The configuration key its options are bound from, named in validation errors (for example <c>Msil:Mcp:Admin</c>).</param>
    /// <param name="configure">Configures the options after binding; may be <see langword="null"/>.</param>
    /// <returns>The services.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="console"/> or <paramref name="configurationSection"/> is empty.</exception>
    public static IServiceCollection AddMsilWebUi(this IServiceCollection services, string console, string configurationSection, Action<MsilWebUiOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(console);
        ArgumentException.ThrowIfNullOrWhiteSpace(configurationSection);

        var options = services.AddOptions<MsilWebUiOptions>(console).BindConfiguration(configurationSection);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(WebUiConsoleMarker) && Equals(d.ImplementationInstance, new WebUiConsoleMarker(console))))
        {
            return services;
        }

        services.AddSingleton(new WebUiConsoleMarker(console));
        options.ValidateOnStart();
        services.AddSingleton<IValidateOptions<MsilWebUiOptions>>(new MsilWebUiOptionsValidator(console, configurationSection));
        AddShared(services);

        services.AddAuthentication()
            .AddCookie(WebUiSchemes.Cookie(console))
            .AddOpenIdConnect(WebUiSchemes.Oidc(console), _ => { });
        services.AddOptions<CookieAuthenticationOptions>(WebUiSchemes.Cookie(console)).Configure<IOptionsMonitor<MsilWebUiOptions>>((cookie, all) =>
        {
            var o = all.Get(console);
            cookie.Cookie.Name = ".Msil." + console;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.ExpireTimeSpan = o.SessionLifetime;
            cookie.SlidingExpiration = true;
            cookie.ForwardChallenge = WebUiSchemes.Oidc(console);
        });
        services.AddOptions<OpenIdConnectOptions>(WebUiSchemes.Oidc(console)).Configure<IOptionsMonitor<MsilWebUiOptions>>((oidc, all) =>
        {
            var o = all.Get(console);
            oidc.SignInScheme = WebUiSchemes.Cookie(console);
            oidc.SignOutScheme = WebUiSchemes.Cookie(console);
            oidc.Authority = o.Authority?.AbsoluteUri.TrimEnd('/');
            oidc.RequireHttpsMetadata = o.Authority is not { Scheme: "http", IsLoopback: true };
            oidc.ClientId = o.ClientId;
            oidc.ClientSecret = o.ClientSecret;
            oidc.ResponseType = "code";
            oidc.ResponseMode = "query";
            oidc.UsePkce = true;
            oidc.SaveTokens = true;
            oidc.MapInboundClaims = false;
            oidc.GetClaimsFromUserInfoEndpoint = false;
            oidc.CallbackPath = "/signin-oidc";
            oidc.SignedOutCallbackPath = "/signout-callback-oidc";
            oidc.SignedOutRedirectUri = "/";
            oidc.TokenValidationParameters.NameClaimType = "name";
            oidc.TokenValidationParameters.RoleClaimType = "roles";
            // Query response mode comes back as a top-level GET: Lax cookies are sent, and they work on plain loopback http.
            oidc.CorrelationCookie.SameSite = SameSiteMode.Lax;
            oidc.NonceCookie.SameSite = SameSiteMode.Lax;
            oidc.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            oidc.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            oidc.Scope.Clear();
            foreach (var scope in o.Scopes)
            {
                oidc.Scope.Add(scope);
            }

            oidc.Events.OnTokenValidated = context =>
            {
                if (context.Principal?.Identity is ClaimsIdentity identity)
                {
                    identity.AddClaim(new Claim(WebUiClaims.Console, console));
                }

                return Task.CompletedTask;
            };
            oidc.Events.OnRemoteFailure = context =>
            {
                var logger = context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Msil.Mcp.WebUi");
                Log.SignInFailed(logger, console, context.Failure?.GetType().Name ?? "unknown");
                context.Response.Redirect(context.Request.PathBase + "/signin-failed");
                context.HandleResponse();
                return Task.CompletedTask;
            };
        });
        return services;
    }

    private static void AddShared(IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(ServerSideTicketStore)))
        {
            return;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddFluentUIComponents();
        services.AddCascadingAuthenticationState();
        services.AddAntiforgery();
        services.AddDistributedMemoryCache();
        services.AddDataProtection();
        services.AddSingleton<ServerSideTicketStore>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<CookieAuthenticationOptions>, SessionStoreSetup>());
        services.AddSingleton<WebUiTokenProvider>();
        services.AddHttpClient(WebUiTokenProvider.RefreshClient, c => c.Timeout = TimeSpan.FromSeconds(10));
        services.AddHttpClient(ApiClientName, c => c.Timeout = TimeSpan.FromSeconds(100));
        services.TryAddScoped(sp => new MsilApiClient(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(ApiClientName),
            sp.GetRequiredService<AuthenticationStateProvider>(),
            sp.GetRequiredService<NavigationManager>(),
            sp.GetRequiredService<IOptionsMonitor<MsilWebUiOptions>>(),
            sp.GetRequiredService<WebUiTokenProvider>(),
            sp.GetRequiredService<ILogger<MsilApiClient>>()));
        services.TryAddSingleton(sp => new MsilEndpointApiClient(
            sp.GetRequiredService<IHttpClientFactory>(),
            sp.GetRequiredService<IOptionsMonitor<MsilWebUiOptions>>(),
            sp.GetRequiredService<WebUiTokenProvider>()));
    }

    internal const string ApiClientName = "MsilWebUi.Api";
}

/// <summary>Marks a registered console (one per name).</summary>
internal sealed record WebUiConsoleMarker(string Name);
