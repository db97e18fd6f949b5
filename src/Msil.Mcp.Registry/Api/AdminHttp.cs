using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Http;
using Msil.Mcp.Registry.Catalog;

namespace Msil.Mcp.Registry.Api;

/// <summary>What the registry's admin endpoints share: the role check that audits refusals, problem details and paging.</summary>
internal static class AdminHttp
{
    /// <summary>The role set of endpoints only the registry's admin role may use.</summary>
    public const string AdminOnly = "admin";

    /// <summary>The role set of endpoints the registry's admin and operator roles may use.</summary>
    public const string AdminOrOperator = "admin+operator";

    /// <summary>
    /// Returns a route group at <paramref name="prefix"/> behind the shared role filter: a caller not signed in, or not in
    /// the role set of the endpoint (else <paramref name="fallback"/>), is refused with 401 (the host's challenge) or 403
    /// naming the role and its configuration key, and the refusal is audited under the endpoint's action with the route's
    /// tool name.
    /// </summary>
    public static RouteGroupBuilder Group(IEndpointRouteBuilder endpoints, string prefix, ToolRegistry registry, IOptions<ToolRegistryOptions> options, RoleRequirement fallback)
    {
        var group = endpoints.MapGroup(prefix);
        group.AddEndpointFilter(new RoleEndpointFilter(
            fallback,
            (_, set) => set == AdminOrOperator
                ? new RoleRule([options.Value.AdminRole, options.Value.OperatorRole], "Msil:Mcp:Registry:AdminRole, Msil:Mcp:Registry:OperatorRole")
                : new RoleRule([options.Value.AdminRole], "Msil:Mcp:Registry:AdminRole"),
            (context, refusal) => registry.AuditRefusedAsync(
                refusal.Action,
                AuditOutcomes.Denied,
                refusal.Caller,
                context.Request.RouteValues["name"]?.ToString() is { } tool ? CallerText.Bound(tool, 128) : null,
                refusal.Detail,
                CorrelationId(context),
                context.RequestAborted),
            (_, refusal) => $"Only the {refusal.Rule.Quoted} role ({refusal.Rule.ConfigurationKeys}) may do this."));
        return group;
    }

    public static string CorrelationId(HttpContext context) => HttpRequestInfo.CorrelationId(context);

    /// <summary>Reads <c>page</c> and <c>page_size</c> (defaults 1 and 50, at most 500); answers 400 naming the field when invalid.</summary>
    public static async Task<(int Page, int PageSize)?> PagingAsync(HttpContext context)
    {
        if (!HttpRequestInfo.TryReadPaging(context.Request, out var page, out var size, out var error))
        {
            await ProblemAsync(context, 400, error!).ConfigureAwait(false);
            return null;
        }

        return (page, size);
    }

    public static bool TryInt(string? text, int fallback, int min, int max, out int value) => HttpRequestInfo.TryInt(text, fallback, min, max, out value);

    public static string Time(DateTimeOffset value) => value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Answers an RFC 9457 problem (the shared <see cref="HttpProblem"/>).</summary>
    public static Task ProblemAsync(HttpContext context, int status, string detail) => HttpProblem.WriteAsync(context, status, detail);

    /// <summary>Answers an RFC 9457 problem with extension members (the shared <see cref="HttpProblem"/>).</summary>
    public static Task ProblemAsync(HttpContext context, int status, string detail, string type, IDictionary<string, object?> extensions)
        => HttpProblem.Result(status, detail, type, extensions).ExecuteAsync(context);

    /// <summary>Writes a JSON answer (an import refusal keeps its outcome fields next to the problem's, so it is written here).</summary>
    public static Task WriteAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = status >= 400 ? "application/problem+json" : "application/json";
        return context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }
}
