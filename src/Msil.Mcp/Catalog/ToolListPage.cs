using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Msil.Mcp.Catalog;

/// <summary>
/// The tools of one <c>tools/list</c> answer, written into the response from the UTF-8 JSON each tool was serialized
/// to once per version (<see cref="CompiledTool.ProtocolUtf8"/>).
/// </summary>
/// <remarks>
/// SDK 2.3.1 and 2.4.0 turn every result into a JSON DOM (<c>JsonSerializer.SerializeToNode</c>: the result serialized, then
/// parsed again) before it writes the response, and a custom handler cannot replace <c>tools/list</c>. So the list
/// filter answers with an empty <see cref="ListToolsResult.Tools"/> (the SDK's DOM then holds only <c>nextCursor</c>,
/// <c>ttlMs</c> and the like) and leaves the page in the request's <see cref="MessageContext.Items"/>;
/// <see cref="OutgoingFilter"/>, an outgoing message filter, puts the page into that response's <c>tools</c> as ONE
/// node, a <see cref="RawToolArray"/> value that the SDK's serializer writes through our converter as each tool's
/// cached bytes (<c>WriteRawValue</c>): no DOM per tool, no copy of the catalog, work bounded by the bytes written.
/// When the start-up probe (<see cref="ToolListJsonMode"/>) found that the SDK's options would not write it that way
/// (reflection disabled with other options, a future SDK), the page is one node per tool over its cached element
/// instead, as before. The response shares the request's message context, so a page reaches exactly its own response.
/// </remarks>
internal sealed class ToolListPage(IReadOnlyList<CompiledTool> tools, bool writeRaw = true)
{
    /// <summary>The key of the page in the request's (and so the response's) message context items.</summary>
    public const string ItemKey = "Msil.Mcp.ToolListPage";

    public IReadOnlyList<CompiledTool> Tools { get; } = tools;

    /// <summary>Gets a value indicating whether the page is written as raw bytes (<see cref="RawToolArray"/>).</summary>
    public bool WriteRaw { get; } = writeRaw;

    /// <summary>Puts a page left by the list filter into its response's <c>tools</c>; every other message passes unchanged.</summary>
    public static McpMessageFilter OutgoingFilter { get; } = next => (context, cancellationToken) =>
    {
        if (context.JsonRpcMessage is JsonRpcResponse { Result: JsonObject result, Context.Items: { } items }
            && items.Remove(ItemKey, out var value)
            && value is ToolListPage page)
        {
            result["tools"] = page.ToJson();
        }

        return next(context, cancellationToken);
    };

    /// <summary>The page's <c>tools</c> node: one raw array value, or (fallback) a fresh array of one node per tool.</summary>
    internal JsonNode ToJson() => WriteRaw ? new RawToolArray(Tools).ToNode() : ToElementNodes();

    /// <summary>A fresh array (a node has one parent) of one object node per tool over its cached element: no tool is serialized or parsed here.</summary>
    internal JsonArray ToElementNodes()
    {
        var nodes = new JsonNode?[Tools.Count];
        for (var i = 0; i < nodes.Length; i++)
        {
            // Backed by the element until something reads into it; written straight from the element.
            nodes[i] = JsonObject.Create(Tools[i].ProtocolJson);
        }

        return new JsonArray(nodes);
    }
}
