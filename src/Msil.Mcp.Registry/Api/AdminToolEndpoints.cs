using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Catalog;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Hosting;
using Msil.Mcp.Http;
using Msil.Mcp.Registry.Catalog;
using Msil.Mcp.Registry.Curation;

namespace Msil.Mcp.Registry.Api;

/// <summary>
/// The console's tool views (admin or operator role): <c>GET /api/mcp/admin/tools</c> (filters <c>search</c>,
/// <c>domain</c>, <c>risk_level</c>, <c>source</c>, <c>state</c>; paging) over <see cref="AdminToolIndex"/>, and
/// <c>GET /api/mcp/admin/tools/{name}</c> with the definition exactly as <c>tools/list</c> serves it, the HTTP binding,
/// the stored versions and the curation override. Refused requests are audited.
/// </summary>
internal sealed class AdminToolEndpoints(
    AdminToolIndex index,
    ToolRegistry registry,
    IOptions<ToolRegistryOptions> options) : IMsilMcpEndpointContributor
{
    /// <summary>The audit action of a refused read.</summary>
    public const string ReadAction = "registry.tools.read";

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        var group = AdminHttp.Group(endpoints, "/api/mcp/admin/tools", registry, options, new RoleRequirement(ReadAction, AdminHttp.AdminOrOperator));
        group.MapGet(string.Empty, HttpHandler.Run(ListAsync));
        group.MapGet("/{name}", HttpHandler.Run(GetAsync));
    }

    private async Task<IResult> ListAsync(HttpContext context)
    {
        var query = context.Request.Query;
        RiskLevel? risk = null;
        if (query["risk_level"].ToString() is { Length: > 0 } riskText)
        {
            if (!RiskLevels.TryParse(riskText, out var parsed))
            {
                return AdminHttp.Problem(400, "Query parameter 'risk_level' must be read, write or privileged; leave it out for every level.");
            }

            risk = parsed;
        }

        var state = query["state"].ToString();
        if (state.Length > 0 && state is not (AdminToolIndex.Active or AdminToolIndex.Hidden or AdminToolIndex.Staged))
        {
            return AdminHttp.Problem(400, "Query parameter 'state' must be active, hidden or staged; leave it out for every state.");
        }

        if (AdminHttp.Paging(context, out var page, out var pageSize) is { } bad)
        {
            return bad;
        }

        var search = query["search"].ToString().Trim().ToLowerInvariant();
        var domain = query["domain"].ToString();
        var source = query["source"].ToString();
        var snapshot = await index.GetAsync(context.RequestAborted).ConfigureAwait(false);
        var skip = (long)(page - 1) * pageSize;
        var total = 0;
        var pageItems = new List<PreSerializedJson>(Math.Min(pageSize, 64));
        foreach (var e in snapshot.Entries)
        {
            if ((risk is { } r && e.Definition.RiskLevel != r)
                || (state.Length > 0 && !string.Equals(e.State, state, StringComparison.Ordinal))
                || (domain.Length > 0 && !string.Equals(e.Definition.Domain, domain, StringComparison.OrdinalIgnoreCase))
                || (source.Length > 0 && !string.Equals(e.Definition.Source, source, StringComparison.Ordinal) && !string.Equals(e.Definition.Source, "openapi:" + source, StringComparison.Ordinal))
                || (search.Length > 0 && !e.SearchText.Contains(search, StringComparison.Ordinal)))
            {
                continue;
            }

            if (total >= skip && pageItems.Count < pageSize)
            {
                pageItems.Add(e.SummaryJson);
            }

            total++;
        }

        return AdminHttp.Json(new AdminToolListResponse(pageItems, total, page, pageSize), RegistryApiJsonContext.Default.AdminToolListResponse);
    }

    private async Task<IResult> GetAsync(HttpContext context)
    {
        var name = context.Request.RouteValues["name"]?.ToString() ?? string.Empty;

        var snapshot = await index.GetAsync(context.RequestAborted).ConfigureAwait(false);
        if (!snapshot.ByName.TryGetValue(name, out var entry)
            && !snapshot.ByName.TryGetValue(registry.ServedName(name) ?? string.Empty, out entry))
        {
            return AdminHttp.Problem(404, $"No tool named '{CallerText.Bound(name, 128)}' is served, stored or staged; see GET /api/mcp/admin/tools for the names.");
        }

        var history = entry.StoredName is { } storedName && entry.State != AdminToolIndex.Staged
            ? await registry.Store.GetToolAsync(storedName, context.RequestAborted).ConfigureAwait(false)
            : null;
        var tool = entry.Definition;
        var binding = tool.Http is { } http ? new AdminToolBindingResponse(http.Method, http.PathTemplate, http.Gateway, http.Audience) : null;
        var versions = history is not null
            ? history.Versions.Select(v => new AdminToolVersionResponse(OverlayApplier.VersionText(v.Version), v.Version, v.ContentHash, AdminHttp.Time(v.CreatedAt), v.ImportId, v.Version == history.Tool.CurrentVersion)).ToList()
            : [new AdminToolVersionResponse(tool.Version, null, tool.ContentHash, null, null, entry.State != AdminToolIndex.Staged)];
        JsonElement? overlay = history?.Tool.Override is { } value ? RegistryApiJson.Parse(value.ToJson()) : null;
        var detail = new AdminToolDetailResponse(entry.Summary, McpToolJson.Serialize(tool), binding, versions, overlay);
        return AdminHttp.Json(detail, RegistryApiJsonContext.Default.AdminToolDetailResponse);
    }
}
