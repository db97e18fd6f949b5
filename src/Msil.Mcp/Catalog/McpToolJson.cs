using System.Text.Json;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Catalog;

/// <summary>The JSON of a tool as <c>tools/list</c> serves it, for admin APIs that show a tool exactly as clients see it.</summary>
public static class McpToolJson
{
    /// <summary>Serializes <paramref name="definition"/> as the MCP tool <c>tools/list</c> answers with (the SDK's own JSON contract).</summary>
    /// <param name="definition">The tool as served (after any curation).</param>
    /// <returns>The tool's <c>tools/list</c> entry.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="definition"/> is <see langword="null"/>.</exception>
    public static JsonElement Serialize(ToolDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return CompiledTool.SerializeProtocolTool(definition);
    }
}
