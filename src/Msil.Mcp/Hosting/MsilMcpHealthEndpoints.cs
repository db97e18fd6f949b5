using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Msil.Mcp;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Hosting;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Maps liveness and readiness endpoints that report every dependency the Msil.Mcp packages registered, and guards
/// operational endpoints (<c>/metrics</c>) to operators.
/// </summary>
public static class MsilMcpHealthEndpoints
{
    /// <summary>The tag of checks that decide readiness (every Msil.Mcp dependency check carries it).</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// Maps <c>{prefix}/live</c> (the process answers; no dependency is asked) and <c>{prefix}/ready</c> (every check
    /// tagged <see cref="ReadyTag"/>: PostgreSQL, Redis, OPA, S3, the identity provider's keys…), both anonymous.
    /// Readiness runs the checks at most once per <see cref="MsilMcpOptions.ReadinessCacheSeconds"/> (5 s by default)
    /// and answers <c>{"status": …}</c> (healthy, degraded or unhealthy; unhealthy is 503); only a caller in
    /// <see cref="MsilMcpOptions.OperatorRole"/> or <see cref="MsilMcpOptions.AdminRole"/> also gets each check's status, description and duration.
    /// </summary>
    /// <param name="endpoints">The host's endpoint route builder.</param>
    /// <param name="prefix">The path prefix.</param>
    /// <returns>The endpoints' convention builder.</returns>
    /// <exception cref="InvalidOperationException"><c>AddMsilMcp()</c> was not called.</exception>
    public static IEndpointConventionBuilder MapMsilMcpHealthChecks(this IEndpointRouteBuilder endpoints, string prefix = "/health")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetService<ReadinessProbe>() is null)
        {
            throw new InvalidOperationException("MapMsilMcpHealthChecks() needs the governed MCP server: call builder.Services.AddMsilMcp() first.");
        }

        var group = endpoints.MapGroup(prefix).AllowAnonymous();
        group.MapHealthChecks("/live", new HealthCheckOptions { Predicate = static _ => false, ResponseWriter = static (c, r) => WriteAsync(c, r, details: false) });
        group.MapGet("/ready", (RequestDelegate)ReadyAsync);
        return group;
    }

    /// <summary>
    /// Lets only operators read the endpoint (callers in <see cref="MsilMcpOptions.OperatorRole"/> or <see cref="MsilMcpOptions.AdminRole"/>, as the policy sees
    /// the caller: 401 without a token, 403 without the role), unless <see cref="MsilMcpOptions.AllowAnonymousMetrics"/>
    /// is set, which makes it anonymous. For the host's metrics endpoint, for example
    /// <c>app.MapPrometheusScrapingEndpoint("/metrics").RequireMsilMcpMetricsAccess()</c>.
    /// </summary>
    /// <typeparam name="TBuilder">The convention builder's type.</typeparam>
    /// <param name="builder">The endpoint's convention builder.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static TBuilder RequireMsilMcpMetricsAccess<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Add(static endpoint =>
        {
            var options = endpoint.ApplicationServices.GetRequiredService<IOptions<MsilMcpOptions>>().Value;
            if (options.AllowAnonymousMetrics)
            {
                endpoint.Metadata.Add(new AllowAnonymousAttribute());
                return;
            }

            endpoint.Metadata.Add(new AuthorizeAttribute());
            endpoint.Metadata.Add(new AuthorizationPolicyBuilder()
                .RequireAuthenticatedUser()
                .RequireAssertion(static c => c.Resource is HttpContext http && IsOperator(http))
                .Build());
        });
        return builder;
    }

    private static async Task ReadyAsync(HttpContext context)
    {
        var report = await context.RequestServices.GetRequiredService<ReadinessProbe>().GetAsync().WaitAsync(context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        context.Response.Headers.CacheControl = "no-store, no-cache";
        await WriteAsync(context, report, IsOperator(context)).ConfigureAwait(false);
    }

    private static bool IsOperator(HttpContext context)
    {
        if (context.User.Identity?.IsAuthenticated != true)
        {
            return false;
        }

        var services = context.RequestServices;
        var caller = services.GetRequiredService<ICallerIdentityResolver>().Resolve(context.User);
        var options = services.GetRequiredService<IOptionsMonitor<MsilMcpOptions>>().CurrentValue;
        return caller.IsAuthenticated && (caller.IsInRole(options.OperatorRole) || caller.IsInRole(options.AdminRole));
    }

    private static Task WriteAsync(HttpContext context, HealthReport report, bool details)
    {
        context.Response.ContentType = "application/json";
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("status", Name(report.Status));
            if (details)
            {
                w.WriteNumber("duration_ms", Math.Round(report.TotalDuration.TotalMilliseconds, 1));
                w.WriteStartObject("checks");
                foreach (var (name, entry) in report.Entries)
                {
                    w.WriteStartObject(name);
                    w.WriteString("status", Name(entry.Status));
                    if (entry.Description is not null)
                    {
                        w.WriteString("description", entry.Description);
                    }

                    w.WriteNumber("duration_ms", Math.Round(entry.Duration.TotalMilliseconds, 1));
                    w.WriteEndObject();
                }

                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        return context.Response.Body.WriteAsync(buffer.ToArray(), context.RequestAborted).AsTask();
    }

    private static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}
