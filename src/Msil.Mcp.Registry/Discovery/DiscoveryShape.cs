using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.Api;
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
        json["query_params"] = new JsonArray([.. QueryParams(tool).Select(q => (JsonNode)JsonValue.Create(q))]);
        json["source_spec"] = sourceSpec;
    }

    /// <summary>The query-string arguments a caller can send: those of the HTTP binding in the served input schema, not fixed.</summary>
    public static IReadOnlyList<string> QueryParams(ToolDefinition tool)
    {
        var query = new List<string>();
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
                    query.Add(binding.Argument);
                }
            }
        }

        return query;
    }

    /// <summary>The registry's source a served tool came from (<c>openapi:{name}</c> gives <c>{name}</c>); other sources as they are.</summary>
    public static string SourceSpec(ToolDefinition tool)
        => tool.Source.StartsWith("openapi:", StringComparison.Ordinal) ? tool.Source["openapi:".Length..] : tool.Source;

    /// <summary>
    /// A tool in the seed's §5.2 shape as it is served; <paramref name="full"/> adds <c>output_schema</c>, <c>content_hash</c>,
    /// <c>source</c> and the served version.
    /// </summary>
    public static DiscoveryToolResponse Tool(ToolDefinition tool, bool full) => new()
    {
        Name = tool.Name,
        Title = tool.Title,
        Description = tool.Description,
        Version = tool.Version,
        RiskLevel = tool.RiskLevel.ToWire(),
        Domain = tool.Domain,
        InputSchema = tool.InputSchema,
        PositiveExamples = [.. tool.Examples.Select(e => new DiscoveryExampleResponse(e.Input, e.Output))],
        ApiEndpoint = tool.Http?.PathTemplate,
        HttpMethod = tool.Http?.Method,
        QueryParams = QueryParams(tool),
        SourceSpec = SourceSpec(tool),
        OutputSchema = full ? RegistryApiJson.Present(tool.OutputSchema) : null,
        ContentHash = full ? tool.ContentHash : null,
        Source = full ? tool.Source : null,
        Versions = full ? [new ToolVersionResponse { Version = tool.Version, ContentHash = tool.ContentHash, Current = true }] : null,
    };

    /// <summary>Adds <c>stored_name</c>, <c>current_version</c>, <c>latest_version</c>, <c>pinned</c>, <c>retired</c>, <c>override</c> and the stored <c>versions</c>.</summary>
    public static DiscoveryToolResponse WithHistory(DiscoveryToolResponse json, ToolHistory history)
    {
        var tool = history.Tool;
        return json with
        {
            Versions = Versions(history),
            StoredName = tool.Name,
            CurrentVersion = tool.CurrentVersion,
            LatestVersion = tool.LatestVersion,
            Pinned = tool.Pinned,
            Retired = tool.Retired,
            Override = Override(tool),
        };
    }

    /// <summary>The admin view of a stored tool (its definition as served, unless retired or disabled, and its history), with the store's <paramref name="revision"/> when a write made it.</summary>
    public static IResult History(ToolHistory history, ToolRegistry registry, long? revision)
    {
        var tool = history.Tool;
        var definition = tool.Retired ? null : OverlayApplier.Apply(tool);
        if (definition is null)
        {
            var stored = new StoredToolResponse(tool.Name, false, tool.Name, tool.CurrentVersion, tool.LatestVersion, tool.Pinned, tool.Retired, Override(tool), Versions(history)) { Revision = revision };
            return TypedResults.Json(stored, RegistryApiJsonContext.Default.StoredToolResponse);
        }

        var served = WithHistory(Tool(definition, full: true), history) with
        {
            Served = registry.ServedName(tool.Name) is not null,
            Revision = revision,
        };
        return TypedResults.Json(served, RegistryApiJsonContext.Default.DiscoveryToolResponse);
    }

    private static JsonElement Override(StoredTool tool)
        => tool.Override is { } o ? RegistryApiJson.Parse(o.ToJson()) : RegistryApiJson.Present((string?)null);

    private static List<ToolVersionResponse> Versions(ToolHistory history)
        => [.. history.Versions.Select(v => new ToolVersionResponse
        {
            Version = OverlayApplier.VersionText(v.Version),
            Number = v.Version,
            ContentHash = v.ContentHash,
            CreatedAt = RegistryApiJson.RoundTrip(v.CreatedAt),
            ImportId = RegistryApiJson.Present(v.ImportId),
            Current = v.Version == history.Tool.CurrentVersion,
        })];
}
