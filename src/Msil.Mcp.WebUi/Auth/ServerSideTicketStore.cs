using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;

namespace Msil.Mcp.WebUi.Auth;

/// <summary>
/// Keeps console sessions (the authentication ticket with its access and refresh tokens) on the server, in the
/// registered <see cref="IDistributedCache"/> (memory by default; Redis to share sessions across replicas), encrypted
/// with ASP.NET Core data protection. The browser's cookie carries only the random session key.
/// </summary>
internal sealed class ServerSideTicketStore(IDistributedCache cache, IDataProtectionProvider protection, TimeProvider time) : ITicketStore
{
    private const string Prefix = "msil-webui:session:";
    private static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(8);
    private readonly IDataProtector _protector = protection.CreateProtector("Msil.Mcp.WebUi.Session.v1");

    public async Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        if (ticket.Principal.Identity is ClaimsIdentity identity)
        {
            foreach (var stale in identity.FindAll(WebUiClaims.SessionId).ToList())
            {
                identity.RemoveClaim(stale);
            }

            identity.AddClaim(new Claim(WebUiClaims.SessionId, key));
        }

        await WriteAsync(key, ticket, CancellationToken.None).ConfigureAwait(false);
        return key;
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket) => WriteAsync(key, ticket, CancellationToken.None);

    public Task<AuthenticationTicket?> RetrieveAsync(string key) => ReadAsync(key, CancellationToken.None);

    public Task RemoveAsync(string key) => cache.RemoveAsync(Prefix + key);

    /// <summary>Reads a session's ticket.</summary>
    public async Task<AuthenticationTicket?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        var bytes = await cache.GetAsync(Prefix + key, cancellationToken).ConfigureAwait(false);
        if (bytes is null)
        {
            return null;
        }

        try
        {
            return TicketSerializer.Default.Deserialize(_protector.Unprotect(bytes));
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>Writes a session's ticket; it expires with the ticket (sliding by the cookie's renewals).</summary>
    public Task WriteAsync(string key, AuthenticationTicket ticket, CancellationToken cancellationToken)
    {
        var options = new DistributedCacheEntryOptions();
        if (ticket.Properties.ExpiresUtc is { } expires && expires > time.GetUtcNow())
        {
            options.AbsoluteExpiration = expires;
        }
        else
        {
            options.AbsoluteExpirationRelativeToNow = DefaultLifetime;
        }

        return cache.SetAsync(Prefix + key, _protector.Protect(TicketSerializer.Default.Serialize(ticket)), options, cancellationToken);
    }
}

/// <summary>Gives every console's cookie scheme the server-side ticket store.</summary>
internal sealed class SessionStoreSetup(ServerSideTicketStore store) : Microsoft.Extensions.Options.IPostConfigureOptions<CookieAuthenticationOptions>
{
    public void PostConfigure(string? name, CookieAuthenticationOptions options)
    {
        if (name is not null && name.StartsWith(WebUiSchemes.Prefix, StringComparison.Ordinal))
        {
            options.SessionStore = store;
        }
    }
}
