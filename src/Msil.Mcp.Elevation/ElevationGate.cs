using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Elevation;

/// <summary>
/// Seed §4.2: a privileged call needs an active grant for (user, scope). Without one the caller is sent to the elevation
/// URL; when the store cannot be reached the call is refused, never let through.
/// </summary>
internal sealed class ElevationGate(IElevationGrantStore store, IOptionsMonitor<ElevationOptions> options, TimeProvider time, IHttpContextAccessor http) : IElevationGate
{
    public async ValueTask<ElevationCheck> CheckAsync(CallerIdentity caller, ToolDefinition tool, IReadOnlyDictionary<string, JsonElement> arguments, string correlationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(tool);
        var scope = ScopeOf(tool.Name, options.CurrentValue);
        ElevationGrant? grant;
        try
        {
            grant = await store.GetAsync(caller.UserId, scope, cancellationToken).ConfigureAwait(false);
            if (grant is not null && grant.IsActive(scope, time.GetUtcNow()) && grant.SingleUse)
            {
                grant = await store.ConsumeAsync(caller.UserId, scope, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new ElevationCheck(ElevationOutcome.Unavailable, "the elevation grant store cannot be reached", scope);
        }

        if (grant is not null && grant.IsActive(scope, time.GetUtcNow()))
        {
            return new ElevationCheck(ElevationOutcome.Granted, $"elevation {grant.ApprovalReference} active until {grant.ExpiresAt:O}", scope, grant);
        }

        return new ElevationCheck(ElevationOutcome.Required, $"no active elevation for scope '{scope}'", scope,
            ElevationUrl: BuildUrl(caller.UserId, scope, correlationId), ElicitationId: "elev-" + correlationId);
    }

    internal static string ScopeOf(string toolName, ElevationOptions options)
    {
        foreach (var (scope, tools) in options.ScopeGroups)
        {
            if (tools.Contains(toolName, StringComparer.Ordinal))
            {
                return scope;
            }
        }

        return toolName;
    }

    internal Uri BuildUrl(string userId, string scope, string reference)
    {
        var text = options.CurrentValue.ElevationUrlTemplate
            .Replace("{user}", Uri.EscapeDataString(userId), StringComparison.Ordinal)
            .Replace("{scope}", Uri.EscapeDataString(scope), StringComparison.Ordinal)
            .Replace("{reference}", Uri.EscapeDataString(reference), StringComparison.Ordinal);
        if (Uri.TryCreate(text, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
        {
            return absolute;
        }

        var request = http.HttpContext?.Request;
        var origin = request is null ? "http://localhost" : $"{request.Scheme}://{request.Host}";
        return new Uri(new Uri(origin), text);
    }
}
