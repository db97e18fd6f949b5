using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.CustomHeaders;
using Msil.Mcp.Validation;

namespace Msil.Mcp.Catalog;

/// <summary>Everything derived from one tool definition, built once per content hash and reused for every call.</summary>
internal sealed class CompiledTool
{
    private StrongBox<JsonElement>? _protocolJson;

    private static readonly JsonTypeInfo<Tool> ToolTypeInfo = (JsonTypeInfo<Tool>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(Tool));

    private CompiledTool(ToolDefinition definition, JsonSchemaValidator validator, Tool protocolTool, IReadOnlyList<McpHeaderDeclaration> headers)
    {
        Definition = definition;
        Validator = validator;
        ProtocolTool = protocolTool;
        Headers = headers;
        Spans = new Diagnostics.ToolSpanNames(definition.Name);
        ProtocolUtf8 = JsonSerializer.SerializeToUtf8Bytes(protocolTool, ToolTypeInfo);
    }

    public ToolDefinition Definition { get; }

    public JsonSchemaValidator Validator { get; }

    public Tool ProtocolTool { get; }

    /// <summary>
    /// Gets <see cref="ProtocolTool"/> as the SDK serializes it (its own JSON contract and encoder), as UTF-8 bytes,
    /// serialized once per tool version; <c>tools/list</c> writes these bytes into the response as they are
    /// (<see cref="RawToolArray"/>) instead of serializing the tool again.
    /// </summary>
    public ReadOnlyMemory<byte> ProtocolUtf8 { get; }

    /// <summary>
    /// Gets <see cref="ProtocolUtf8"/> as an element, parsed on first use and kept: what <c>tools/list</c> writes when the
    /// raw bytes cannot be handed to the SDK (<see cref="ToolListJsonMode"/>).
    /// </summary>
    public JsonElement ProtocolJson => (_protocolJson ??= new StrongBox<JsonElement>(JsonElement.Parse(ProtocolUtf8.Span))).Value;

    /// <summary>Gets the arguments mirrored into <c>Mcp-Param-*</c> headers (SEP-2243); the SDK transport checks them.</summary>
    public IReadOnlyList<McpHeaderDeclaration> Headers { get; }

    /// <summary>Gets the names of the call's spans for this tool (never built from caller input).</summary>
    public Diagnostics.ToolSpanNames Spans { get; }

    public static CompiledTool Compile(ToolDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        JsonSchemaValidator validator;
        try
        {
            validator = JsonSchemaValidator.Compile(definition.InputSchema);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"The input schema of tool '{definition.Name}' cannot be compiled: {ex.Message}", nameof(definition), ex);
        }

        // x-mcp-header declarations pass to tools/list unchanged; the SDK's Streamable HTTP transport validates the
        // Mcp-Param-* headers against them before the call reaches the pipeline. A bad declaration would make SDK
        // clients drop the tool (SEP-2243), so it is refused here, with the tool's name, the property and the fix.
        var headers = McpHeaderSchema.Read(definition.Name, definition.InputSchema, out var headerProblem);
        if (headerProblem is not null)
        {
            throw new ArgumentException(headerProblem, nameof(definition));
        }

        return new CompiledTool(definition, validator, CreateProtocolTool(definition), headers);
    }

    /// <summary>Builds the MCP tool that <c>tools/list</c> shows for <paramref name="definition"/>.</summary>
    internal static Tool CreateProtocolTool(ToolDefinition definition) => new()
    {
        Name = definition.Name,
        Title = definition.Title,
        Description = definition.Description,
        InputSchema = definition.InputSchema,
        OutputSchema = IsObjectSchema(definition.OutputSchema) ? definition.OutputSchema : null,
        Annotations = CreateAnnotations(definition),
        Meta = TaskSupportMeta(definition.TaskSupport),
    };

    /// <summary>Serializes <paramref name="definition"/> exactly as <c>tools/list</c> writes it.</summary>
    internal static JsonElement SerializeProtocolTool(ToolDefinition definition)
        => JsonSerializer.SerializeToElement(CreateProtocolTool(definition), ToolTypeInfo);

    /// <summary>
    /// Advertises a task-supporting tool (SEP-2663). The SDK's <see cref="Tool"/> (2.4.0) has no <c>execution</c> member, so
    /// the tool's task support goes in <c>_meta["io.modelcontextprotocol/tasks"].taskSupport</c> (<c>optional</c> or <c>required</c>).
    /// </summary>
    internal static System.Text.Json.Nodes.JsonObject? TaskSupportMeta(ToolTaskSupport support) => support switch
    {
        ToolTaskSupport.Optional => new() { [Tasks.ToolTaskNegotiation.ExtensionId] = new System.Text.Json.Nodes.JsonObject { ["taskSupport"] = "optional" } },
        ToolTaskSupport.Required => new() { [Tasks.ToolTaskNegotiation.ExtensionId] = new System.Text.Json.Nodes.JsonObject { ["taskSupport"] = "required" } },
        _ => null,
    };

    /// <summary>Derives the MCP annotations from the risk level and HTTP method (ARCHITECTURE §3).</summary>
    internal static ToolAnnotations CreateAnnotations(ToolDefinition definition)
    {
        var idempotent = definition.Idempotent ?? definition.Http?.Method.ToUpperInvariant() switch
        {
            "GET" or "HEAD" or "PUT" or "DELETE" or "OPTIONS" => true,
            null => (bool?)null,
            _ => false,
        };
        return new ToolAnnotations
        {
            Title = definition.Title,
            ReadOnlyHint = definition.RiskLevel == RiskLevel.Read,
            DestructiveHint = definition.RiskLevel == RiskLevel.Privileged,
            IdempotentHint = definition.RiskLevel == RiskLevel.Read ? true : idempotent,
            OpenWorldHint = definition.Http is not null,
        };
    }

    private static bool IsObjectSchema(JsonElement? schema)
        => schema is { ValueKind: JsonValueKind.Object } s
           && s.TryGetProperty("type", out var type)
           && type.ValueKind == JsonValueKind.String
           && type.ValueEquals("object");
}
