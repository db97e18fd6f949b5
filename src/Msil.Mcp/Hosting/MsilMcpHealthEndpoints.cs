using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps liveness and readiness endpoints that report every dependency the Msil.Mcp packages registered.</summary>
public static class MsilMcpHealthEndpoints
{
    /// <summary>The tag of checks that decide readiness (every Msil.Mcp dependency check carries it).</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// Maps <c>{prefix}/live</c> (the process answers; no dependency is asked) and <c>{prefix}/ready</c> (every check
    /// tagged <see cref="ReadyTag"/>: PostgreSQL, Redis, OPA, S3, the identity provider's keys…), both answering JSON with
    /// each check's status: healthy, degraded or unhealthy. Unhealthy answers 503.
    /// </summary>
    /// <param name="endpoints">The host's endpoint route builder.</param>
    /// <param name="prefix">The path prefix.</param>
    /// <returns>The endpoints' convention builder.</returns>
    public static IEndpointConventionBuilder MapMsilMcpHealthChecks(this IEndpointRouteBuilder endpoints, string prefix = "/health")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup(prefix).AllowAnonymous();
        group.MapHealthChecks("/live", new HealthCheckOptions { Predicate = static _ => false, ResponseWriter = WriteAsync });
        group.MapHealthChecks("/ready", new HealthCheckOptions { Predicate = static c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync });
        return group;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("status", Name(report.Status));
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
