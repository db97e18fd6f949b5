using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Hosting;

namespace Msil.Mcp.Admin;

/// <summary>
/// The core's admin REST API for the console: <c>GET /api/mcp/me</c> (any signed-in caller: who they are and what the
/// console may show them), <c>GET /api/users</c> and <c>GET /api/users/{principal_key}</c> (admin role: the callers the
/// pipeline has seen) and <c>GET /api/mcp/admin/health</c> (admin or operator role). Errors are problem details;
/// refused attempts are audited.
/// </summary>
internal sealed class CoreAdminEndpoints(
    AdminAccess access,
    IUserDirectory users,
    ReadinessProbe readiness,
    CallActivity activity,
    IEnumerable<IGatewayCircuitSource> gateways,
    IEnumerable<IAuditOutboxStatus> outbox,
    TimeProvider time,
    ILogger<CoreAdminEndpoints> logger) : IMsilMcpEndpointContributor
{
    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/mcp/me", (RequestDelegate)MeAsync);
        endpoints.MapGet("/api/users", (RequestDelegate)UsersAsync);
        endpoints.MapGet("/api/users/{principal_key}", (RequestDelegate)UserAsync);
        endpoints.MapGet("/api/mcp/admin/health", (RequestDelegate)HealthAsync);
    }

    private async Task MeAsync(HttpContext context)
    {
        var caller = access.Resolve(context);
        if (context.User.Identity?.IsAuthenticated != true || !caller.IsAuthenticated)
        {
            await AdminHttp.ChallengeAsync(context).ConfigureAwait(false);
            return;
        }

        var permissions = AdminPermissions.For(caller, access.Options);
        await AdminHttp.JsonAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("subject", caller.Subject);
            w.WriteString("issuer", caller.Issuer);
            w.WriteString("name", caller.UserId);
            AdminHttp.WriteStrings(w, "roles", caller.Roles);
            AdminHttp.WriteStrings(w, "groups", caller.Groups);
            AdminHttp.WriteStrings(w, "permissions", permissions);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private async Task UsersAsync(HttpContext context)
    {
        if (await access.RequireAsync(context, AdminAuditActions.UsersRead, operatorToo: false).ConfigureAwait(false) is null)
        {
            return;
        }

        var (page, size, error) = AdminHttp.Paging(context.Request);
        var search = context.Request.Query["search"].ToString();
        if (error is null && search.Length > 256)
        {
            error = "Query parameter 'search' must be at most 256 characters.";
        }

        if (error is not null)
        {
            await AdminHttp.ProblemAsync(context, 400, error).ConfigureAwait(false);
            return;
        }

        UserPage result;
        try
        {
            result = await users.ListAsync(search.Length == 0 ? null : search, (page - 1) * size, size, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            await UnavailableAsync(context, ex).ConfigureAwait(false);
            return;
        }

        await AdminHttp.JsonAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("items");
            foreach (var u in result.Items)
            {
                WriteUser(w, u);
            }

            w.WriteEndArray();
            w.WriteNumber("total", result.Total);
            w.WriteNumber("page", page);
            w.WriteNumber("page_size", size);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private async Task UserAsync(HttpContext context)
    {
        if (await access.RequireAsync(context, AdminAuditActions.UsersRead, operatorToo: false).ConfigureAwait(false) is null)
        {
            return;
        }

        // Routing decodes every escape of a path segment except %2F, which a principal key's issuer URL is full of.
        var key = (context.Request.RouteValues["principal_key"]?.ToString() ?? string.Empty).Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        UserRecord? user;
        try
        {
            user = await users.GetAsync(key, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            await UnavailableAsync(context, ex).ConfigureAwait(false);
            return;
        }

        if (user is null)
        {
            await AdminHttp.ProblemAsync(context, 404, $"No user with principal_key '{CallerText.Bound(key)}' has called this server; send a principal_key from GET /api/users, URL-escaped.").ConfigureAwait(false);
            return;
        }

        await AdminHttp.JsonAsync(context, 200, w => WriteUser(w, user)).ConfigureAwait(false);
    }

    private async Task HealthAsync(HttpContext context)
    {
        if (await access.RequireAsync(context, AdminAuditActions.HealthRead, operatorToo: true).ConfigureAwait(false) is null)
        {
            return;
        }

        var report = await readiness.GetAsync().WaitAsync(context.RequestAborted).ConfigureAwait(false);
        var circuits = gateways.SelectMany(g => g.GetCircuits()).OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        long? lag = null;
        foreach (var o in outbox)
        {
            lag = Math.Max(lag ?? 0, o.Lag);
        }

        var rates = activity.Rates(time.GetUtcNow());
        await AdminHttp.JsonAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("status", Name(report.Status));
            w.WriteStartArray("checks");
            foreach (var (name, entry) in report.Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                w.WriteStartObject();
                w.WriteString("name", name);
                w.WriteString("status", Name(entry.Status));
                w.WriteString("description", entry.Description);
                w.WriteNumber("duration_ms", Math.Round(entry.Duration.TotalMilliseconds, 1));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("gateways");
            foreach (var c in circuits)
            {
                w.WriteStartObject();
                w.WriteString("name", c.Name);
                w.WriteString("circuit", c.State switch
                {
                    GatewayCircuitState.Open => "open",
                    GatewayCircuitState.HalfOpen => "half-open",
                    _ => "closed",
                });
                w.WriteEndObject();
            }

            w.WriteEndArray();
            if (lag is { } l)
            {
                w.WriteNumber("audit_outbox_lag", l);
            }
            else
            {
                w.WriteNull("audit_outbox_lag");
            }

            w.WriteStartObject("rates");
            w.WriteNumber("window_seconds", CallActivity.BucketSeconds * CallActivity.BucketCount);
            w.WriteNumber("bucket_seconds", CallActivity.BucketSeconds);
            w.WriteStartArray("buckets");
            foreach (var b in rates)
            {
                w.WriteStartObject();
                AdminHttp.WriteTime(w, "at", b.At);
                w.WriteNumber("calls", b.Calls);
                w.WriteNumber("denials", b.Denials);
                w.WriteNumber("errors", b.Errors);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private Task UnavailableAsync(HttpContext context, Exception ex)
    {
        Log.UserReadFailed(logger, ex.GetType().Name);
        return AdminHttp.ProblemAsync(context, 503, $"The users store cannot be read right now ({ex.GetType().Name}); check Msil:Mcp:Users (its PostgreSQL connection) and try again.");
    }

    private static void WriteUser(Utf8JsonWriter w, UserRecord u)
    {
        w.WriteStartObject();
        w.WriteString("principal_key", u.PrincipalKey);
        w.WriteString("subject", u.Subject);
        w.WriteString("issuer", u.Issuer);
        w.WriteString("name", u.Name);
        AdminHttp.WriteStrings(w, "roles", u.Roles);
        AdminHttp.WriteStrings(w, "groups", u.Groups);
        AdminHttp.WriteTime(w, "first_seen", u.FirstSeen);
        AdminHttp.WriteTime(w, "last_seen", u.LastSeen);
        w.WriteNumber("calls", u.Calls);
        w.WriteNumber("denials", u.Denials);
        w.WriteEndObject();
    }

    private static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}
