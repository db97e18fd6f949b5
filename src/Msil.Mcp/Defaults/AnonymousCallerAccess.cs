using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Defaults;

/// <summary>
/// The host's explicit permission for callers without a token, and the fixed identity they get. Registered only by
/// <c>AllowAnonymousCallers()</c> in code; there is no configuration key for it.
/// </summary>
internal sealed class AnonymousCallerAccess(CallerIdentity identity)
{
    /// <summary>The issuer recorded for the fixed anonymous identity, so audit records show where it came from.</summary>
    public const string Issuer = "urn:msil-mcp:anonymous";

    public CallerIdentity Identity { get; } = identity;
}

/// <summary>Refuses to start in the Production environment when anonymous callers are allowed, and warns loudly elsewhere.</summary>
internal sealed class AnonymousCallerGuard(AnonymousCallerAccess access, IHostEnvironment environment, ILogger<AnonymousCallerGuard> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (environment.IsProduction())
        {
            throw new InvalidOperationException(
                "AllowAnonymousCallers() is refused in the Production environment: every MCP call would run as the fixed identity "
                + $"'{access.Identity.UserId}'. Remove the call, or run the host in another environment (ASPNETCORE_ENVIRONMENT).");
        }

        Log.AnonymousCallersAllowed(logger, access.Identity.UserId, string.Join(", ", access.Identity.Roles), environment.EnvironmentName);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
