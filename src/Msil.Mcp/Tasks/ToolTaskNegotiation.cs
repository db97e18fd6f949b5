using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Msil.Mcp.Tasks;

/// <summary>Whether a request comes from a client that negotiated the tasks extension (SEP-2663, per request SEP-2575).</summary>
internal static class ToolTaskNegotiation
{
    public const string ExtensionId = "io.modelcontextprotocol/tasks";

    private const string ClientCapabilitiesMeta = "io.modelcontextprotocol/clientCapabilities";

    /// <summary>For <c>tools/call</c>: the request's own capabilities, the session's, or the per-request <c>_meta</c> opt-in.</summary>
    public static bool IsNegotiated(RequestContext<CallToolRequestParams> context)
        => Declares(context.JsonRpcRequest.Context?.ClientCapabilities)
           || Declares(context.Server.ClientCapabilities)
           || DeclaresInMeta(context.Params?.Meta);

    /// <summary>For the raw <c>tasks/*</c> methods: the request's capabilities or its <c>_meta</c>.</summary>
    public static bool IsNegotiated(JsonRpcMessageContext? context, JsonNode? parameters)
        => Declares(context?.ClientCapabilities)
           || DeclaresInMeta(parameters is JsonObject p && p.TryGetPropertyValue("_meta", out var meta) ? meta as JsonObject : null);

    /// <summary>The <c>requiredCapabilities</c> of a -32021 error for the extension.</summary>
    public static ClientCapabilities RequiredCapabilities() => new()
    {
        Extensions = new Dictionary<string, object>(StringComparer.Ordinal) { [ExtensionId] = EmptyObject() },
    };

    /// <summary>An empty JSON object, the extension's settings in capabilities.</summary>
    public static JsonElement EmptyObject()
    {
        using var document = JsonDocument.Parse("{}");
        return document.RootElement.Clone();
    }

    private static bool Declares(ClientCapabilities? capabilities)
        => capabilities?.Extensions is { } extensions && extensions.TryGetValue(ExtensionId, out var value) && value is not null;

    private static bool DeclaresInMeta(JsonObject? meta)
        => meta is not null
           && meta.TryGetPropertyValue(ClientCapabilitiesMeta, out var capabilities)
           && capabilities is JsonObject c
           && c.TryGetPropertyValue("extensions", out var extensions)
           && extensions is JsonObject e
           && e.TryGetPropertyValue(ExtensionId, out var value)
           && value is JsonObject;
}
