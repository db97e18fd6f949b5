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

/// <summary>Refuses to start outside the Development environment when anonymous callers are allowed, and warns loudly in Development.</summary>
internal sealed class AnonymousCallerGuard(AnonymousCallerAccess access, IHostEnvironment environment, ILogger<AnonymousCallerGuard> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!environment.IsDevelopment())
        {
            throw new InvalidOperationException(
                $"AllowAnonymousCallers() is allowed only in the Development environment, and this host runs in '{environment.EnvironmentName}': every MCP "
                + $"call would run as the fixed identity '{access.Identity.UserId}'. Remove the AllowAnonymousCallers() call, or run a test or "
                + "conformance host with ASPNETCORE_ENVIRONMENT=Development.");
        }

        Log.AnonymousCallersAllowed(logger, access.Identity.UserId, string.Join(", ", access.Identity.Roles), environment.EnvironmentName);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
