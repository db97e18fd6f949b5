using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Msil.Mcp.Testing;

/// <summary>Names of the test authentication scheme.</summary>
public static class TestAuthenticationDefaults
{
    /// <summary>The scheme name.</summary>
    public const string Scheme = "MsilMcpTest";

    /// <summary>The request header that names the caller (see <see cref="TestCaller.ToHeaderValue"/>).</summary>
    public const string HeaderName = "X-Test-User";
}

/// <summary>Registers the test authentication scheme.</summary>
public static class TestAuthenticationExtensions
{
    /// <summary>
    /// Adds the test scheme, which trusts the <see cref="TestAuthenticationDefaults.HeaderName"/> header. It is for test
    /// hosts only: the host refuses to start in the Production environment with this scheme registered.
    /// </summary>
    /// <param name="builder">The authentication builder.</param>
    /// <returns>The builder.</returns>
    public static AuthenticationBuilder AddMsilMcpTestAuthentication(this AuthenticationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Transient<IStartupFilter, RefuseInProductionStartupFilter>());
        return builder.AddScheme<AuthenticationSchemeOptions, TestAuthenticationHandler>(TestAuthenticationDefaults.Scheme, displayName: null, configureOptions: null);
    }

    private sealed class RefuseInProductionStartupFilter(IHostEnvironment environment) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next)
        {
            if (environment.IsProduction())
            {
                throw new InvalidOperationException(
                    "The Msil.Mcp.Testing authentication scheme trusts a request header and must never run in Production. Remove AddMsilMcpTestAuthentication() or run the host in another environment.");
            }

            return next;
        }
    }
}

/// <summary>Authenticates the caller named in the <see cref="TestAuthenticationDefaults.HeaderName"/> header.</summary>
internal sealed class TestAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers[TestAuthenticationDefaults.HeaderName].ToString();
        if (header.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var parts = header.Split('|');
        if (parts[0].Length == 0)
        {
            return Task.FromResult(AuthenticateResult.Fail($"The {TestAuthenticationDefaults.HeaderName} header names no user."));
        }

        var claims = new List<Claim> { new("sub", "sub-" + parts[0]), new("preferred_username", parts[0]) };
        claims.AddRange(Split(parts, 1).Select(r => new Claim("roles", r)));
        claims.AddRange(Split(parts, 2).Select(g => new Claim("groups", g)));
        if (Split(parts, 3) is { Length: > 0 } scopes)
        {
            claims.Add(new Claim("scope", string.Join(' ', scopes)));
        }

        if (parts.Length > 4 && parts[4].Length > 0)
        {
            claims.Add(new Claim("iss", parts[4]));
        }

        var identity = new ClaimsIdentity(claims, TestAuthenticationDefaults.Scheme, "preferred_username", "roles");
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), TestAuthenticationDefaults.Scheme)));
    }

    private static string[] Split(string[] parts, int index)
        => parts.Length > index ? parts[index].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
}
