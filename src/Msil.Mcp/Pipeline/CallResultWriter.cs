using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Msil.Mcp.Pipeline;

/// <summary>
/// Writes a governed <c>tools/call</c> answer's text content and structured content into the response without the
/// SDK's result DOM reading them: the SDK sees a placeholder, an outgoing message filter puts the real ones in.
/// </summary>
/// <remarks>
/// SDK 2.4.0 turns every result into a JSON DOM (<c>JsonSerializer.SerializeToNode</c>: the result serialized, then
/// parsed again into a <see cref="JsonDocument"/>) before it writes the response. For an API tool that is the backend's
/// body twice more: once as the escaped text block, once as <c>structuredContent</c>. So <see cref="Filter"/>, the
/// outermost call-tool filter, takes the content and structured content out of the result the shape stage made
/// (<see cref="CallState.Shaped"/>: a fresh object per call, so changing it is safe) and leaves them in the request's
/// <see cref="MessageContext.Items"/>; the SDK's DOM then holds <c>"content":[]</c> and <c>"structuredContent":{}</c>
/// in their places. <see cref="OutgoingFilter"/> sets those two properties of the response's result to nodes that are
/// written without a parse: an object node over the structured content's <see cref="JsonElement"/> (written by
/// <see cref="JsonElement.WriteTo"/>, as the SDK's DOM would be) and one object per text block with a string value.
/// The bytes written are the same as the SDK's own (a test compares them over HTTP). Only results whose blocks are all
/// plain text blocks (no annotations, no <c>_meta</c>) are deferred; any other result goes through the SDK unchanged.
/// Both filters are installed together by the options setup; the response shares the request's message context, so
/// a result reaches exactly its own response.
/// </remarks>
internal static class CallResultWriter
{
    /// <summary>The key of the deferred parts in the request's (and so the response's) message context items.</summary>
    public const string ItemKey = "Msil.Mcp.CallResult";

    /// <summary>
    /// The shortest text (all blocks together) a result without structured content must have to be deferred: below it the
    /// SDK's re-parse costs less than the deferral's own objects (measured on the governed echo: about 0.7 KB more per call
    /// when its one short text block was deferred).
    /// </summary>
    internal const int MinDeferredTextChars = 512;

    /// <summary>The empty object the SDK's DOM holds in place of the structured content: it keeps the property's place.</summary>
    private static readonly JsonElement Placeholder = JsonElement.Parse("{}");

    /// <summary>Gets the call-tool filter that defers the governed result's content; installed outside the pipeline's.</summary>
    public static McpRequestFilter<CallToolRequestParams, CallToolResult> Filter { get; } = next => async (context, cancellationToken) =>
    {
        var result = await next(context, cancellationToken).ConfigureAwait(false);
        Defer(context.Items, result);
        return result;
    };

    /// <summary>Puts the parts left by <see cref="Filter"/> into their response's result; every other message passes unchanged.</summary>
    public static McpMessageFilter OutgoingFilter { get; } = next => (context, cancellationToken) =>
    {
        if (context.JsonRpcMessage is JsonRpcResponse { Result: JsonObject result, Context.Items: { } items }
            && items.Remove(ItemKey, out var value)
            && value is Parts parts)
        {
            parts.WriteInto(result);
        }

        return next(context, cancellationToken);
    };

    /// <summary>
    /// Moves the content and structured content of <paramref name="result"/> into <paramref name="items"/> when it is
    /// the governed call's own shaped result, every block is a plain text block and the result is worth it (it has
    /// structured content, or at least <see cref="MinDeferredTextChars"/> characters of text); otherwise leaves it as it is.
    /// </summary>
    /// <returns>Whether the result was deferred.</returns>
    internal static bool Defer(IDictionary<string, object?> items, CallToolResult result)
    {
        if (!items.TryGetValue(CallState.ItemKey, out var value)
            || value is not CallState { Shaped: { } shaped }
            || !ReferenceEquals(shaped, result)
            || !AllPlainText(result.Content, out var textChars)
            || (result.StructuredContent is null && textChars < MinDeferredTextChars))
        {
            return false;
        }

        items[ItemKey] = new Parts(result.Content, result.StructuredContent);
        result.Content = [];
        if (result.StructuredContent is not null)
        {
            result.StructuredContent = Placeholder;
        }

        return true;
    }

    private static bool AllPlainText(IList<ContentBlock> content, out int textChars)
    {
        textChars = 0;
        for (var i = 0; i < content.Count; i++)
        {
            if (content[i] is not TextContentBlock { Annotations: null, Meta: null } text)
            {
                return false;
            }

            textChars += text.Text.Length;
        }

        return true;
    }

    /// <summary>The deferred content blocks (all plain text) and structured content of one result.</summary>
    internal sealed class Parts(IList<ContentBlock> content, JsonElement? structured)
    {
        /// <summary>Sets <c>content</c> (and <c>structuredContent</c>, when there is one) of the response's result, in their places.</summary>
        public void WriteInto(JsonObject result)
        {
            var blocks = new JsonNode?[content.Count];
            for (var i = 0; i < blocks.Length; i++)
            {
                blocks[i] = new JsonObject
                {
                    ["type"] = "text",
                    ["text"] = JsonValue.Create(((TextContentBlock)content[i]).Text),
                };
            }

            result["content"] = new JsonArray(blocks);
            if (structured is { } element)
            {
                // Backed by the element: written by JsonElement.WriteTo, never parsed into nodes.
                result["structuredContent"] = JsonObject.Create(element);
            }
        }
    }
}
