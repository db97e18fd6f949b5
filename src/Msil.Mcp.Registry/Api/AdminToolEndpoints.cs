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
        group.MapGet(string.Empty, (RequestDelegate)ListAsync);
        group.MapGet("/{name}", (RequestDelegate)GetAsync);
    }

    private async Task ListAsync(HttpContext context)
    {

        var query = context.Request.Query;
        RiskLevel? risk = null;
        if (query["risk_level"].ToString() is { Length: > 0 } riskText)
        {
            if (!RiskLevels.TryParse(riskText, out var parsed))
            {
                await AdminHttp.ProblemAsync(context, 400, "Query parameter 'risk_level' must be read, write or privileged; leave it out for every level.").ConfigureAwait(false);
                return;
            }

            risk = parsed;
        }

        var state = query["state"].ToString();
        if (state.Length > 0 && state is not (AdminToolIndex.Active or AdminToolIndex.Hidden or AdminToolIndex.Staged))
        {
            await AdminHttp.ProblemAsync(context, 400, "Query parameter 'state' must be active, hidden or staged; leave it out for every state.").ConfigureAwait(false);
            return;
        }

        var paging = await AdminHttp.PagingAsync(context).ConfigureAwait(false);
        if (paging is null)
        {
            return;
        }

        var (page, pageSize) = paging.Value;

        var search = query["search"].ToString().Trim().ToLowerInvariant();
        var domain = query["domain"].ToString();
        var source = query["source"].ToString();
        var snapshot = await index.GetAsync(context.RequestAborted).ConfigureAwait(false);
        var skip = (long)(page - 1) * pageSize;
        var total = 0;
        var pageItems = new List<AdminToolEntry>(Math.Min(pageSize, 64));
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
                pageItems.Add(e);
            }

            total++;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        using var buffer = new MemoryStream(4096);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("items");
            foreach (var e in pageItems)
            {
                w.WriteRawValue(e.SummaryJson, skipInputValidation: true);
            }

            w.WriteEndArray();
            w.WriteNumber("total", total);
            w.WriteNumber("page", page);
            w.WriteNumber("page_size", pageSize);
            w.WriteEndObject();
        }

        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted).ConfigureAwait(false);
    }

    private async Task GetAsync(HttpContext context)
    {
        var name = context.Request.RouteValues["name"]?.ToString() ?? string.Empty;

        var snapshot = await index.GetAsync(context.RequestAborted).ConfigureAwait(false);
        if (!snapshot.ByName.TryGetValue(name, out var entry)
            && !snapshot.ByName.TryGetValue(registry.ServedName(name) ?? string.Empty, out entry))
        {
            await AdminHttp.ProblemAsync(context, 404, $"No tool named '{CallerText.Bound(name, 128)}' is served, stored or staged; see GET /api/mcp/admin/tools for the names.").ConfigureAwait(false);
            return;
        }

        var history = entry.StoredName is { } storedName && entry.State != AdminToolIndex.Staged
            ? await registry.Store.GetToolAsync(storedName, context.RequestAborted).ConfigureAwait(false)
            : null;
        var tool = entry.Definition;
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        using var buffer = new MemoryStream(8192);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            AdminToolIndex.WriteSummaryFields(w, entry.Name, tool, entry.State, entry.UpdatedAt);
            w.WritePropertyName("definition");
            McpToolJson.Serialize(tool).WriteTo(w);
            if (tool.Http is { } http)
            {
                w.WriteStartObject("binding");
                w.WriteString("http_method", http.Method);
                w.WriteString("api_endpoint", http.PathTemplate);
                w.WriteString("gateway", http.Gateway);
                w.WriteString("audience", http.Audience);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("binding");
            }

            w.WriteStartArray("versions");
            if (history is not null)
            {
                foreach (var v in history.Versions)
                {
                    w.WriteStartObject();
                    w.WriteString("version", OverlayApplier.VersionText(v.Version));
                    w.WriteNumber("number", v.Version);
                    w.WriteString("content_hash", v.ContentHash);
                    w.WriteString("created_at", AdminHttp.Time(v.CreatedAt));
                    if (v.ImportId is { } importId)
                    {
                        w.WriteNumber("source_import_id", importId);
                    }
                    else
                    {
                        w.WriteNull("source_import_id");
                    }

                    w.WriteBoolean("current", v.Version == history.Tool.CurrentVersion);
                    w.WriteEndObject();
                }
            }
            else
            {
                w.WriteStartObject();
                w.WriteString("version", tool.Version);
                w.WriteNull("number");
                w.WriteString("content_hash", tool.ContentHash);
                w.WriteNull("created_at");
                w.WriteNull("source_import_id");
                w.WriteBoolean("current", entry.State != AdminToolIndex.Staged);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WritePropertyName("override");
            if (history?.Tool.Override is { } value)
            {
                using var overlay = JsonDocument.Parse(value.ToJson());
                overlay.RootElement.WriteTo(w);
            }
            else
            {
                w.WriteNullValue();
            }

            w.WriteEndObject();
        }

        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted).ConfigureAwait(false);
    }
}
