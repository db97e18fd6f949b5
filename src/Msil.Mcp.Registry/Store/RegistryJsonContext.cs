using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Registry;

/// <summary>Source-generated JSON for stored definitions (AOT-safe).</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ToolDefinition))]
[JsonSerializable(typeof(List<ToolDefinition>))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(Msil.Mcp.Registry.Catalog.CachedCatalog))]
[JsonSerializable(typeof(Msil.Mcp.Registry.Catalog.CatalogManifest))]
internal sealed partial class RegistryJsonContext : JsonSerializerContext
{
}
