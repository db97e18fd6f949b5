using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Hosting;
using Msil.Mcp.Http;
using Msil.Mcp.Registry.Api;
using Msil.Mcp.Registry.Catalog;

namespace Msil.Mcp.Registry.Discovery;

/// <summary>
/// <c>GET /api/mcp/tools</c> in the seed's §5.2 shape, filtered by what the caller may see (the same policy as
/// <c>tools/list</c>), with <c>domain</c>, <c>risk_level</c> and <c>search</c> filters and paging; and <c>GET /api/mcp/tools/{name}</c>.
/// </summary>
/// <remarks>
/// A caller sees a tool exactly as <c>tools/list</c> shows it to them: the served definition, with hidden and fixed
/// parameters already out of the schema. The curation override (hidden parameter names, fixed values), the stored name and
/// the version history are added only for the registry's admin role.
/// </remarks>
internal sealed class DiscoveryEndpoints(IToolCatalog catalog, IPolicyDecisionPoint policy, ICallerIdentityResolver identity, ToolRegistry registry, IOptions<ToolRegistryOptions> options) : IMsilMcpEndpointContributor
{
    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/mcp/tools").RequireAuthorization();
        group.MapGet(string.Empty, HttpHandler.Run(ListAsync));
        group.MapGet("/{name}", HttpHandler.Run(GetAsync));
    }

    private async Task<IResult> ListAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var caller = identity.Resolve(context.User);
        var domainFilter = query["domain"].ToString();
        var searchFilter = query["search"].ToString();
        RiskLevel? riskFilter = null;
        if (query.ContainsKey("risk_level"))
        {
            if (!RiskLevels.TryParse(query["risk_level"], out var parsed))
            {
                return HttpProblem.Result(StatusCodes.Status400BadRequest, "Query parameter 'risk_level' must be read, write or privileged.");
            }

            riskFilter = parsed;
        }

        if (!HttpRequestInfo.TryReadPaging(context.Request, out var page, out var pageSize, out var pagingError))
        {
            return HttpProblem.Result(StatusCodes.Status400BadRequest, pagingError!);
        }

        var visible = new List<ToolDefinition>();
        var domains = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var tool in catalog.Current.Tools)
        {
            var decision = await policy.EvaluateAsync(new PolicyRequest(caller, tool, PolicyAction.List), context.RequestAborted).ConfigureAwait(false);
            if (!decision.Allow)
            {
                continue;
            }

            if (tool.Domain is not null)
            {
                domains.Add(tool.Domain);
            }

            if ((domainFilter.Length > 0 && !string.Equals(tool.Domain, domainFilter, StringComparison.OrdinalIgnoreCase))
                || (riskFilter is { } r && tool.RiskLevel != r)
                || (searchFilter.Length > 0 && !tool.Name.Contains(searchFilter, StringComparison.OrdinalIgnoreCase) && !tool.Description.Contains(searchFilter, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            visible.Add(tool);
        }

        var tools = visible.Skip((page - 1) * pageSize).Take(pageSize).Select(t => DiscoveryShape.Tool(t, full: false)).ToList();
        return TypedResults.Json(new DiscoveryListResponse(tools, visible.Count, page, pageSize, [.. domains]), RegistryApiJsonContext.Default.DiscoveryListResponse);
    }

    private async Task<IResult> GetAsync(HttpContext context)
    {
        var name = context.Request.RouteValues["name"]?.ToString() ?? string.Empty;
        var caller = identity.Resolve(context.User);
        if (!catalog.Current.TryGetTool(name, out var tool)
            || !(await policy.EvaluateAsync(new PolicyRequest(caller, tool, PolicyAction.List), context.RequestAborted).ConfigureAwait(false)).Allow)
        {
            return HttpProblem.Result(StatusCodes.Status404NotFound, $"No tool named '{CallerText.Bound(name, 128)}' is visible to you.");
        }

        var json = DiscoveryShape.Tool(tool, full: true);
        if (caller.IsAuthenticated && caller.IsInRole(options.Value.AdminRole)
            && await registry.Store.GetToolAsync(registry.StoredName(tool.Name), context.RequestAborted).ConfigureAwait(false) is { } history)
        {
            json = DiscoveryShape.WithHistory(json, history);
        }

        return TypedResults.Json(json, RegistryApiJsonContext.Default.DiscoveryToolResponse);
    }
}
