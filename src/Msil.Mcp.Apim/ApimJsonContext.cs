using System.Text.Json;
using System.Text.Json.Serialization;

namespace Msil.Mcp.Apim;

/// <summary>Source-generated JSON for request bodies (no reflection on the call path).</summary>
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class ApimJsonContext : JsonSerializerContext;
