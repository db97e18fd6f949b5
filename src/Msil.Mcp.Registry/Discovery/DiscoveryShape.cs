using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.Catalog;
using Msil.Mcp.Registry.Curation;
using Msil.Mcp.Registry.Store;

namespace Msil.Mcp.Registry.Discovery;

/// <summary>The JSON of a stored tool's versions and curation, shared by the discovery and admin endpoints.</summary>
internal static class DiscoveryShape
{
    /// <summary>
    /// Adds the seed's generated-tool fields (§5.1): <c>api_endpoint</c> and <c>http_method</c> (the HTTP binding, or
    /// <see langword="null"/> for a tool without one), <c>query_params</c> (the query-string arguments a caller can
    /// send: those in the served input schema, so a hidden or fixed parameter is never named) and <c>source_spec</c>.
    /// </summary>
    public static void AddSeedFields(JsonObject json, ToolDefinition tool, string? sourceSpec)
    {
        json["api_endpoint"] = tool.Http?.PathTemplate;
        json["http_method"] = tool.Http?.Method;
        var query = new JsonArray();
        if (tool.Http is { } http)
        {
            var properties = tool.InputSchema.ValueKind == JsonValueKind.Object && tool.InputSchema.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
            foreach (var binding in http.Parameters)
            {
                if (binding.Location == ParameterLocation.Query
                    && properties.ValueKind == JsonValueKind.Object
                    && properties.TryGetProperty(binding.Argument, out _)
                    && !tool.FixedArguments.ContainsKey(binding.Argument))
                {
                    query.Add((JsonNode)JsonValue.Create(binding.Argument));
                }
            }
        }

        json["query_params"] = query;
        json["source_spec"] = sourceSpec;
    }

    /// <summary>The registry's source a served tool came from (<c>openapi:{name}</c> gives <c>{name}</c>); other sources as they are.</summary>
    public static string SourceSpec(ToolDefinition tool)
        => tool.Source.StartsWith("openapi:", StringComparison.Ordinal) ? tool.Source["openapi:".Length..] : tool.Source;

    /// <summary>Adds <c>stored_name</c>, <c>current_version</c>, <c>latest_version</c>, <c>pinned</c>, <c>retired</c>, <c>override</c> and <c>versions</c>.</summary>
    public static void AddHistory(JsonObject json, ToolHistory history)
    {
        var tool = history.Tool;
        json["stored_name"] = tool.Name;
        json["current_version"] = tool.CurrentVersion;
        json["latest_version"] = tool.LatestVersion;
        json["pinned"] = tool.Pinned;
        json["retired"] = tool.Retired;
        json["override"] = tool.Override is { } o ? JsonNode.Parse(o.ToJson()) : null;
        var versions = new JsonArray();
        foreach (var v in history.Versions)
        {
            versions.Add((JsonNode)new JsonObject
            {
                ["version"] = OverlayApplier.VersionText(v.Version),
                ["number"] = v.Version,
                ["content_hash"] = v.ContentHash,
                ["created_at"] = v.CreatedAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
                ["import_id"] = v.ImportId,
                ["current"] = v.Version == tool.CurrentVersion,
            });
        }

        json["versions"] = versions;
    }

    /// <summary>The admin view of a stored tool: its served definition (if served) and its history.</summary>
    public static JsonObject History(ToolHistory history, ToolRegistry registry)
    {
        var served = history.Tool.Retired ? null : OverlayApplier.Apply(history.Tool);
        var json = served is null
            ? new JsonObject { ["name"] = history.Tool.Name, ["served"] = false }
            : DiscoveryEndpoints.ToJson(served, full: true);
        json["served"] = served is not null && registry.ServedName(history.Tool.Name) is not null;
        AddHistory(json, history);
        return json;
    }
}
