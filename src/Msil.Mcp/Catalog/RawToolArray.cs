using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Msil.Mcp.Catalog;

/// <summary>
/// The <c>tools</c> array of one <c>tools/list</c> answer as the UTF-8 JSON each tool was serialized to once per
/// version (<see cref="CompiledTool.ProtocolUtf8"/>), written by <see cref="RawToolArrayConverter"/> as raw bytes.
/// </summary>
/// <remarks>
/// The page goes into the SDK's result DOM as one <see cref="JsonValue"/> (<see cref="ToNode"/>) made with a type info
/// of ours. Such a value writes through its own type info when the writer's options are that type info's options, and
/// otherwise looks its type up in the writer's options. The SDK (2.4.0) writes messages with two options instances:
/// the Streamable HTTP transport with its source-generated context's options (<c>McpJsonUtilities.JsonContext</c>,
/// the first resolver of <see cref="McpJsonUtilities.DefaultOptions"/>, which knows only the protocol types), the
/// stream and stdio transports with <see cref="McpJsonUtilities.DefaultOptions"/> itself. So the type info is bound to
/// the context's options (found in <see cref="McpJsonUtilities.DefaultOptions"/>' resolver chain: no reflection,
/// trimming-safe), and under <see cref="McpJsonUtilities.DefaultOptions"/> the type is found by its reflection
/// fallback (present when <see cref="JsonSerializer.IsReflectionEnabledByDefault"/>), which honours the
/// <see cref="JsonConverterAttribute"/> below. Whether pages are written raw at all is decided once, by
/// <see cref="ToolListJsonMode"/>, which writes a probe message with each of those options as the SDK does.
/// </remarks>
[JsonConverter(typeof(RawToolArrayConverter))]
internal sealed class RawToolArray(IReadOnlyList<CompiledTool> tools)
{
    /// <summary>Gets the options a node written by our own converter must carry: the SDK's source-generated context's, else its default options.</summary>
    internal static JsonSerializerOptions SdkOptions { get; } = ContextOptions();

    private static readonly JsonTypeInfo<RawToolArray> SdkTypeInfo = JsonMetadataServices.CreateValueInfo<RawToolArray>(SdkOptions, new RawToolArrayConverter());

    /// <summary>Gets the options the SDK writes messages with: its source-generated context's, and its default options.</summary>
    internal static IReadOnlyList<JsonSerializerOptions> SdkWriterOptions { get; } = SdkTypeInfo.Options == McpJsonUtilities.DefaultOptions
        ? [McpJsonUtilities.DefaultOptions]
        : [SdkTypeInfo.Options, McpJsonUtilities.DefaultOptions];

    /// <summary>Gets the tools whose cached JSON is written, in order.</summary>
    public IReadOnlyList<CompiledTool> Tools { get; } = tools;

    /// <summary>A node over this array: written raw by the SDK's serializer, never read or copied into a DOM.</summary>
    public JsonNode ToNode() => JsonValue.Create(this, SdkTypeInfo)!;

    /// <summary>The options of the source-generated context that resolves the SDK's messages, else the SDK's default options.</summary>
    private static JsonSerializerOptions ContextOptions()
    {
        foreach (var resolver in McpJsonUtilities.DefaultOptions.TypeInfoResolverChain)
        {
            if (resolver is JsonSerializerContext context && context.GetTypeInfo(typeof(JsonRpcMessage)) is not null)
            {
                return context.Options;
            }
        }

        return McpJsonUtilities.DefaultOptions;
    }
}

/// <summary>Writes a <see cref="RawToolArray"/> as a JSON array of each tool's cached UTF-8 JSON; it is never read.</summary>
internal sealed class RawToolArrayConverter : JsonConverter<RawToolArray>
{
    /// <inheritdoc />
    /// <exception cref="NotSupportedException">Always: the array is only ever written.</exception>
    public override RawToolArray Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => throw new NotSupportedException("A tools/list page is only written, never read.");

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, RawToolArray value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        var tools = value.Tools;
        for (var i = 0; i < tools.Count; i++)
        {
            // Validated when cached: the bytes are the SDK serializer's own output for the tool.
            writer.WriteRawValue(tools[i].ProtocolUtf8.Span, skipInputValidation: true);
        }

        writer.WriteEndArray();
    }
}
