using System.Globalization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Http;
using Msil.Mcp.Registry.Catalog;

namespace Msil.Mcp.Registry.Api;

/// <summary>What the registry's admin endpoints share on top of <c>src/Shared/Http</c>: the role sets, the group behind the role filter, paging, problems and typed JSON answers.</summary>
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

    /// <summary>Reads <c>page</c> and <c>page_size</c> (defaults 1 and 50, at most 500); returns the 400 naming the field when invalid.</summary>
    public static ProblemHttpResult? Paging(HttpContext context, out int page, out int pageSize)
        => HttpRequestInfo.TryReadPaging(context.Request, out page, out pageSize, out var error) ? null : Problem(StatusCodes.Status400BadRequest, error!);

    /// <summary>The change-history time stamps: ISO-8601 UTC with seven decimals (<c>2026-01-02T03:04:05.6789012Z</c>).</summary>
    public static string Time(DateTimeOffset value) => value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Returns an RFC 9457 problem (the shared <see cref="HttpProblem"/>, type <c>about:blank</c>).</summary>
    public static ProblemHttpResult Problem(int status, string detail) => HttpProblem.Result(status, detail);

    /// <summary>Returns a JSON answer of the registry API's source-generated <paramref name="typeInfo"/>.</summary>
    public static JsonHttpResult<T> Json<T>(T value, JsonTypeInfo<T> typeInfo, int status = StatusCodes.Status200OK, string? contentType = null)
        => TypedResults.Json(value, typeInfo, contentType, status);
}
