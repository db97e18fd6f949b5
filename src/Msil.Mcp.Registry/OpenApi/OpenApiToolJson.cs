using System.Text.Json.Nodes;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.Discovery;

namespace Msil.Mcp.Registry.OpenApi;

/// <summary>The JSON of a compiled tool in the seed's shape (§5.1), as <c>msil-mcp openapi compile --json</c> prints it.</summary>
public static class OpenApiToolJson
{
    /// <summary>
    /// Writes a compiled tool as JSON: <c>name</c>, <c>title</c>, <c>description</c>, <c>risk_level</c>, <c>domain</c>,
    /// <c>idempotent</c>, <c>content_hash</c>, <c>input_schema</c>, <c>output_schema</c>, and the seed's generated-tool
    /// fields <c>api_endpoint</c> and <c>http_method</c> (<see langword="null"/> for a tool without an HTTP binding),
    /// <c>query_params</c> (the query-string arguments a caller can send: a hidden or fixed parameter is never named) and
    /// <c>source_spec</c>.
    /// </summary>
    /// <param name="tool">The tool (<see cref="OpenApiCompilation.Tools"/>).</param>
    /// <param name="sourceSpec">The document it came from, written as <c>source_spec</c> (a file name), or <see langword="null"/>.</param>
    /// <returns>A new JSON object the caller owns.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="tool"/> is <see langword="null"/>.</exception>
    public static JsonObject ToJson(ToolDefinition tool, string? sourceSpec)
    {
        ArgumentNullException.ThrowIfNull(tool);
        var json = new JsonObject
        {
            ["name"] = tool.Name,
            ["title"] = tool.Title,
            ["description"] = tool.Description,
            ["risk_level"] = tool.RiskLevel.ToWire(),
            ["domain"] = tool.Domain,
            ["idempotent"] = tool.Idempotent,
            ["content_hash"] = tool.ContentHash,
            ["input_schema"] = JsonNode.Parse(tool.InputSchema.GetRawText()),
            ["output_schema"] = tool.OutputSchema is { } o ? JsonNode.Parse(o.GetRawText()) : null,
        };
        DiscoveryShape.AddSeedFields(json, tool, sourceSpec);
        return json;
    }
}
