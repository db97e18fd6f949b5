using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Hosting;
using Msil.Mcp.Http;

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
        // Any signed-in caller may ask who they are; the rest is behind the role filter, which audits every refusal.
        endpoints.MapGet("/api/mcp/me", HttpHandler.Run(MeAsync)).AddEndpointFilter(AdminHttp.NoStore);
        var admin = access.Group(endpoints, AdminAuditActions.UsersRead);
        admin.MapGet("/api/users", HttpHandler.Run(UsersAsync));
        admin.MapGet("/api/users/{principal_key}", HttpHandler.Run(UserAsync));
        admin.MapGet("/api/mcp/admin/health", HttpHandler.Run(HealthAsync)).RequireRoleSet(AdminAuditActions.HealthRead, AdminAccess.AdminOrOperator);
    }

    private Task<IResult> MeAsync(HttpContext context)
    {
        var caller = access.Resolve(context);
        if (context.User.Identity?.IsAuthenticated != true || !caller.IsAuthenticated)
        {
            return Task.FromResult<IResult>(HttpChallenge.Instance);
        }

        var permissions = AdminPermissions.For(caller, access.Options);
        return Task.FromResult<IResult>(TypedResults.Json(
            new MeResponse(caller.Subject, caller.Issuer, caller.UserId, caller.Roles, caller.Groups, permissions), AdminJsonContext.Default.MeResponse));
    }

    private async Task<IResult> UsersAsync(HttpContext context)
    {
        HttpRequestInfo.TryReadPaging(context.Request, out var page, out var size, out var error);
        var search = context.Request.Query["search"].ToString();
        if (error is null && search.Length > 256)
        {
            error = "Query parameter 'search' must be at most 256 characters.";
        }

        if (error is not null)
        {
            return AdminHttp.Problem(400, error);
        }

        UserPage result;
        try
        {
            result = await users.ListAsync(search.Length == 0 ? null : search, (page - 1) * size, size, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            return Unavailable(ex);
        }

        return TypedResults.Json(new UserPageResponse([.. result.Items.Select(UserResponse.From)], result.Total, page, size), AdminJsonContext.Default.UserPageResponse);
    }

    private async Task<IResult> UserAsync(HttpContext context)
    {
        // Routing decodes every escape of a path segment except %2F, which a principal key's issuer URL is full of.
        var key = (context.Request.RouteValues["principal_key"]?.ToString() ?? string.Empty).Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        UserRecord? user;
        try
        {
            user = await users.GetAsync(key, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            return Unavailable(ex);
        }

        return user is null
            ? AdminHttp.Problem(404, $"No user with principal_key '{CallerText.Bound(key)}' has called this server; send a principal_key from GET /api/users, URL-escaped.")
            : TypedResults.Json(UserResponse.From(user), AdminJsonContext.Default.UserResponse);
    }

    private async Task<IResult> HealthAsync(HttpContext context)
    {
        var report = await readiness.GetAsync().WaitAsync(context.RequestAborted).ConfigureAwait(false);
        var circuits = gateways.SelectMany(g => g.GetCircuits()).OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        long? lag = null;
        foreach (var o in outbox)
        {
            lag = Math.Max(lag ?? 0, o.Lag);
        }

        var rates = activity.Rates(time.GetUtcNow());
        var answer = new AdminHealthResponse(
            Name(report.Status),
            [.. report.Entries.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => new HealthCheckResponse(e.Key, Name(e.Value.Status), e.Value.Description, Math.Round(e.Value.Duration.TotalMilliseconds, 1)))],
            [.. circuits.Select(c => new GatewayResponse(c.Name, c.State switch
            {
                GatewayCircuitState.Open => "open",
                GatewayCircuitState.HalfOpen => "half-open",
                _ => "closed",
            }))],
            lag,
            new RatesResponse(CallActivity.BucketSeconds * CallActivity.BucketCount, CallActivity.BucketSeconds,
                [.. rates.Select(b => new RateBucketResponse(AdminJsonTime.Format(b.At), b.Calls, b.Denials, b.Errors))]));
        return TypedResults.Json(answer, AdminJsonContext.Default.AdminHealthResponse);
    }

    private ProblemHttpResult Unavailable(Exception ex)
    {
        Log.UserReadFailed(logger, ex.GetType().Name);
        return AdminHttp.Problem(503, $"The users store cannot be read right now ({ex.GetType().Name}); check Msil:Mcp:Users (its PostgreSQL connection) and try again.");
    }

    private static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}
