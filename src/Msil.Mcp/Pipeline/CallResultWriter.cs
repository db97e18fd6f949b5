using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
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
/// <para>
/// A result made from JSON bytes (<see cref="Msil.Mcp.Abstractions.ToolResult.Utf8Json"/>, an API tool's body) goes
/// further when nothing but these filters sits around the governed call (<see cref="WritesJson"/>): the shape stage
/// never decodes or parses it (<see cref="CallState.ShapedJson"/>), and the nodes put into the response write the bytes
/// themselves: the text block with <see cref="Utf8JsonWriter.WriteStringValue(ReadOnlySpan{byte})"/>, the structured
/// content token by token from a <see cref="Utf8JsonReader"/>, as <see cref="JsonElement.WriteTo"/> writes a parse of
/// the same bytes. The bytes written are the same as for the decoded and parsed result (tests compare).
/// </para>
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
    internal static readonly JsonElement Placeholder = JsonElement.Parse("{}");

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
            && value is IParts parts)
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
            || value is not CallState { Shaped: { } shaped } state
            || !ReferenceEquals(shaped, result))
        {
            return false;
        }

        if (state.ShapedJson is { } json)
        {
            // The shape stage left placeholders in the result already (content [], structured content {}).
            items[ItemKey] = new JsonParts(json.Utf8Json);
            return true;
        }

        if (!AllPlainText(result.Content, out var textChars)
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

    /// <summary>
    /// Whether a result made from JSON bytes may be shaped into placeholders for this request and written from its bytes:
    /// only when the call-tool filters are this writer's (outermost), the pipeline's and the SDK's own alone (no host
    /// filter could see the placeholders), the alternate-result filters are the server's own or the SDK's, and every outgoing message filter is one
    /// that leaves a <c>tools/call</c> answer's nodes alone (a host filter reading the text node would find the bytes' node).
    /// </summary>
    /// <param name="options">The request's server options.</param>
    /// <param name="alternateFilter">The server's own alternate-result filter (the tasks extension's), or <see langword="null"/>.</param>
    internal static bool WritesJson(McpServerOptions options, object? alternateFilter)
    {
        if (!JsonBytesWritable)
        {
            return false;
        }

        var filters = options.Filters;
        var calls = filters.Request.CallToolFilters;
        if (calls.Count < 2 || !ReferenceEquals(calls[0], Filter))
        {
            return false;
        }

        for (var i = 1; i < calls.Count; i++)
        {
            // The pipeline's, and the SDK's own (its authorization filter, which AddMsilAuth adds, decides before the tool runs).
            if (!IsOwn(calls[i]) && !IsSdkOwn(calls[i]))
            {
                return false;
            }
        }

#pragma warning disable MCPEXP002 // only read: a host's alternate-result filter would see the placeholders.
        var alternates = filters.Request.CallToolWithAlternateFilters;
#pragma warning restore MCPEXP002
        for (var i = 0; i < alternates.Count; i++)
        {
            if (!ReferenceEquals(alternates[i], alternateFilter) && !IsSdkOwn(alternates[i]))
            {
                return false;
            }
        }

        var outgoing = filters.Message.OutgoingFilters;
        for (var i = 0; i < outgoing.Count; i++)
        {
            if (!ReferenceEquals(outgoing[i], OutgoingFilter) && !ReferenceEquals(outgoing[i], Catalog.ToolListPage.OutgoingFilter))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Gets a value indicating whether the nodes of <see cref="JsonParts"/> come out of the SDK's serializer as the
    /// decoded and parsed result would: probed once per process with each of the options the SDK writes messages with
    /// (<see cref="Catalog.RawToolArray.SdkWriterOptions"/>); when not, results made from JSON are decoded and parsed as before.
    /// </summary>
    internal static bool JsonBytesWritable { get; } = ProbeJsonBytes();

    /// <summary>Writes a probe answer from bytes and from the decoded and parsed result with each of the SDK's writer options and compares them.</summary>
    internal static bool ProbeJsonBytes()
    {
        var body = "{\"t\":\"\u00e9 \\\"q\\\" <b>&amp;</b> \u2028 \ud83d\ude00\",\"n\":[1.50,-0,1E+2],\"o\":{}}"u8.ToArray();
        var text = System.Text.Encoding.UTF8.GetString(body);
        try
        {
            foreach (var options in Catalog.RawToolArray.SdkWriterOptions)
            {
                var typeInfo = options.GetTypeInfo(typeof(JsonRpcMessage));
                var fromBytes = new JsonObject();
                new JsonParts(body).WriteInto(fromBytes);
                var expected = new JsonObject();
                new Parts([new TextContentBlock { Text = text }], JsonElement.Parse(body)).WriteInto(expected);
                var written = JsonSerializer.SerializeToUtf8Bytes(new JsonRpcResponse { Id = new RequestId(1), Result = fromBytes }, typeInfo);
                var wanted = JsonSerializer.SerializeToUtf8Bytes(new JsonRpcResponse { Id = new RequestId(1), Result = expected }, typeInfo);
                if (!written.AsSpan().SequenceEqual(wanted))
                {
                    return false;
                }
            }

            return Catalog.RawToolArray.SdkWriterOptions.Count > 0;
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or JsonException or InvalidCastException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether a filter is the SDK's own (its ASP.NET Core authorization guard puts one into the alternate-result
    /// filters of every server, and its authorization filters one into the call-tool filters): each decides before the
    /// tool runs and passes the result on unread.
    /// </summary>
    private static bool IsOwn(Delegate filter) => ReferenceEquals(filter.Method.DeclaringType?.Assembly, typeof(CallResultWriter).Assembly);

    private static bool IsSdkOwn(Delegate filter)
        => filter.Method.DeclaringType?.Assembly is { } assembly
            && (ReferenceEquals(assembly, typeof(McpServer).Assembly) || ReferenceEquals(assembly, typeof(Microsoft.AspNetCore.Builder.McpEndpointRouteBuilderExtensions).Assembly));

    /// <summary>What <see cref="OutgoingFilter"/> puts into a response's result.</summary>
    internal interface IParts
    {
        /// <summary>Sets <c>content</c> (and <c>structuredContent</c>, when there is one) of the response's result, in their places.</summary>
        void WriteInto(JsonObject result);
    }

    /// <summary>
    /// A result made from a JSON object or array in UTF-8: one text block that is the JSON as it is, and the structured
    /// content that is the object (or <c>{"items": […]}</c> around the array), both written from the bytes.
    /// </summary>
    internal sealed class JsonParts(ReadOnlyMemory<byte> utf8Json) : IParts
    {
        /// <inheritdoc/>
        public void WriteInto(JsonObject result)
        {
            result["content"] = new JsonArray(new JsonObject
            {
                ["type"] = "text",
                ["text"] = JsonValue.Create(new Utf8Text(utf8Json), Utf8Text.TypeInfo),
            });
            result["structuredContent"] = JsonValue.Create(new Utf8Structure(utf8Json), Utf8Structure.TypeInfo);
        }
    }

    /// <summary>UTF-8 written as one JSON string (escaped by the writer's encoder, as the same text decoded would be).</summary>
    [JsonConverter(typeof(Utf8TextConverter))]
    internal readonly record struct Utf8Text(ReadOnlyMemory<byte> Utf8)
    {
        /// <summary>The metadata the node writes with: the SDK's options (the ones its transports write messages with), this converter.</summary>
        public static JsonTypeInfo<Utf8Text> TypeInfo { get; } = JsonMetadataServices.CreateValueInfo<Utf8Text>(Catalog.RawToolArray.SdkOptions, new Utf8TextConverter());
    }

    /// <summary>A JSON object or array in UTF-8 written as structured content: as <see cref="JsonElement.WriteTo"/> writes its parse (an array inside <c>{"items": …}</c>).</summary>
    [JsonConverter(typeof(Utf8StructureConverter))]
    internal readonly record struct Utf8Structure(ReadOnlyMemory<byte> Utf8)
    {
        /// <summary>The metadata the node writes with: the SDK's options (the ones its transports write messages with), this converter.</summary>
        public static JsonTypeInfo<Utf8Structure> TypeInfo { get; } = JsonMetadataServices.CreateValueInfo<Utf8Structure>(Catalog.RawToolArray.SdkOptions, new Utf8StructureConverter());

        /// <summary>Writes the JSON token by token: names and strings unescaped and escaped again by the writer, numbers as they are, like a parsed element.</summary>
        internal static void Write(Utf8JsonWriter writer, ReadOnlySpan<byte> utf8Json)
        {
            var reader = new Utf8JsonReader(utf8Json);
            reader.Read();
            var wrap = reader.TokenType == JsonTokenType.StartArray;
            if (wrap)
            {
                writer.WriteStartObject();
                writer.WritePropertyName("items"u8);
            }

            byte[]? rented = null;
            try
            {
                do
                {
                    switch (reader.TokenType)
                    {
                        case JsonTokenType.StartObject:
                            writer.WriteStartObject();
                            break;
                        case JsonTokenType.EndObject:
                            writer.WriteEndObject();
                            break;
                        case JsonTokenType.StartArray:
                            writer.WriteStartArray();
                            break;
                        case JsonTokenType.EndArray:
                            writer.WriteEndArray();
                            break;
                        case JsonTokenType.PropertyName:
                            writer.WritePropertyName(Unescaped(ref reader, ref rented));
                            break;
                        case JsonTokenType.String:
                            writer.WriteStringValue(Unescaped(ref reader, ref rented));
                            break;
                        case JsonTokenType.Number:
                            writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                            break;
                        case JsonTokenType.True:
                            writer.WriteBooleanValue(true);
                            break;
                        case JsonTokenType.False:
                            writer.WriteBooleanValue(false);
                            break;
                        case JsonTokenType.Null:
                            writer.WriteNullValue();
                            break;
                    }
                }
                while (reader.Read());
            }
            finally
            {
                if (rented is not null)
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }

            if (wrap)
            {
                writer.WriteEndObject();
            }
        }

        /// <summary>The token's value unescaped, in place when it has no escapes, else into a pooled scratch buffer (an unescaped value is never longer).</summary>
        private static ReadOnlySpan<byte> Unescaped(ref Utf8JsonReader reader, ref byte[]? rented)
        {
            if (!reader.ValueIsEscaped)
            {
                return reader.ValueSpan;
            }

            var length = reader.ValueSpan.Length;
            if (rented is null || rented.Length < length)
            {
                if (rented is not null)
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }

                rented = ArrayPool<byte>.Shared.Rent(length);
            }

            var written = reader.CopyString(rented);
            return rented.AsSpan(0, written);
        }
    }

    /// <summary>Writes a <see cref="Utf8Text"/> as one JSON string; it is never read.</summary>
    internal sealed class Utf8TextConverter : JsonConverter<Utf8Text>
    {
        /// <inheritdoc/>
        /// <exception cref="NotSupportedException">Always: the text is only ever written.</exception>
        public override Utf8Text Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => throw new NotSupportedException("A result's text is only written, never read.");

        /// <inheritdoc/>
        public override void Write(Utf8JsonWriter writer, Utf8Text value, JsonSerializerOptions options) => writer.WriteStringValue(value.Utf8.Span);
    }

    /// <summary>Writes a <see cref="Utf8Structure"/> as structured content; it is never read.</summary>
    internal sealed class Utf8StructureConverter : JsonConverter<Utf8Structure>
    {
        /// <inheritdoc/>
        /// <exception cref="NotSupportedException">Always: the structured content is only ever written.</exception>
        public override Utf8Structure Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => throw new NotSupportedException("A result's structured content is only written, never read.");

        /// <inheritdoc/>
        public override void Write(Utf8JsonWriter writer, Utf8Structure value, JsonSerializerOptions options) => Utf8Structure.Write(writer, value.Utf8.Span);
    }

    /// <summary>The deferred content blocks (all plain text) and structured content of one result.</summary>
    internal sealed class Parts(IList<ContentBlock> content, JsonElement? structured) : IParts
    {
        /// <inheritdoc/>
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
