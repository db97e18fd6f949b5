using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Hosting;
using Msil.Mcp.Http;
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
        group.MapGet(string.Empty, (RequestDelegate)ListAsync);
        group.MapGet("/{name}", (RequestDelegate)GetAsync);
    }

    private async Task ListAsync(HttpContext context)
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
                await ProblemAsync(context, "Query parameter 'risk_level' must be read, write or privileged.").ConfigureAwait(false);
                return;
            }

            riskFilter = parsed;
        }

        if (!HttpRequestInfo.TryInt(query["page"], 1, 1, int.MaxValue, out var page) || !HttpRequestInfo.TryInt(query["page_size"], 50, 1, 500, out var pageSize))
        {
            await ProblemAsync(context, "Query parameters 'page' (≥ 1) and 'page_size' (1–500) must be whole numbers.").ConfigureAwait(false);
            return;
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

        var tools = new JsonArray();
        foreach (var tool in visible.Skip((page - 1) * pageSize).Take(pageSize))
        {
            tools.Add((JsonNode)ToJson(tool, full: false));
        }

        var body = new JsonObject
        {
            ["tools"] = tools,
            ["total"] = visible.Count,
            ["page"] = page,
            ["page_size"] = pageSize,
            ["domains"] = new JsonArray(domains.Select(d => (JsonNode)JsonValue.Create(d)).ToArray()),
        };
        await WriteAsync(context, 200, body).ConfigureAwait(false);
    }

    private async Task GetAsync(HttpContext context)
    {
        var name = context.Request.RouteValues["name"]?.ToString() ?? string.Empty;
        var caller = identity.Resolve(context.User);
        if (!catalog.Current.TryGetTool(name, out var tool)
            || !(await policy.EvaluateAsync(new PolicyRequest(caller, tool, PolicyAction.List), context.RequestAborted).ConfigureAwait(false)).Allow)
        {
            await HttpProblem.WriteAsync(context, 404, $"No tool named '{name}' is visible to you.").ConfigureAwait(false);
            return;
        }

        var json = ToJson(tool, full: true);
        if (caller.IsAuthenticated && caller.IsInRole(options.Value.AdminRole)
            && await registry.Store.GetToolAsync(registry.StoredName(tool.Name), context.RequestAborted).ConfigureAwait(false) is { } history)
        {
            DiscoveryShape.AddHistory(json, history);
        }

        await WriteAsync(context, 200, json).ConfigureAwait(false);
    }

    internal static JsonObject ToJson(ToolDefinition tool, bool full)
    {
        var examples = new JsonArray();
        foreach (var example in tool.Examples)
        {
            var e = new JsonObject { ["input"] = JsonNode.Parse(example.Input.GetRawText()) };
            if (example.Output is { } output)
            {
                e["output"] = JsonNode.Parse(output.GetRawText());
            }

            examples.Add((JsonNode)e);
        }

        var json = new JsonObject
        {
            ["name"] = tool.Name,
            ["title"] = tool.Title,
            ["description"] = tool.Description,
            ["version"] = tool.Version,
            ["risk_level"] = tool.RiskLevel.ToWire(),
            ["domain"] = tool.Domain,
            ["input_schema"] = JsonNode.Parse(tool.InputSchema.GetRawText()),
            ["positive_examples"] = examples,
        };
        DiscoveryShape.AddSeedFields(json, tool, DiscoveryShape.SourceSpec(tool));
        if (full)
        {
            json["output_schema"] = tool.OutputSchema is { } o ? JsonNode.Parse(o.GetRawText()) : null;
            json["content_hash"] = tool.ContentHash;
            json["source"] = tool.Source;
            json["versions"] = new JsonArray(new JsonObject { ["version"] = tool.Version, ["content_hash"] = tool.ContentHash, ["current"] = true });
        }

        return json;
    }

    private static Task ProblemAsync(HttpContext context, string detail) => HttpProblem.WriteAsync(context, 400, detail);

    private static Task WriteAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }
}
