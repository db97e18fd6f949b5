using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Msil.Mcp.CustomHeaders;

namespace Msil.Mcp.Registry.OpenApi;

/// <summary>Writes OpenAPI schemas of one document as JSON Schema 2020-12, inlining small references and sharing the rest.</summary>
/// <remarks>
/// <para>
/// Every referenced schema (a <see cref="RefNode"/>) is rendered once per <see cref="EmitMode"/> into a cached
/// <see cref="Fragment"/> of UTF-8 JSON and copied wherever it is used, so a component shared by a thousand operations
/// is converted once.
/// </para>
/// <para>
/// Referenced schemas are analysed with Tarjan's algorithm: a schema that can reach itself (a cycle) is never inlined;
/// uses of it become <c>{"$ref":"#/$defs/Name"}</c> and the tool's schema carries the definition under <c>$defs</c>.
/// The same happens to a schema whose expansion is larger than <see cref="ShareAboveBytes"/> (the expandable objects of
/// payment APIs, where inlining every use makes megabytes), and, within one tool schema, to a schema of at least
/// <see cref="ShareRepeatedFromBytes"/> that the tool would otherwise inline more than once (<see cref="Emit"/>).
/// <see cref="EmitMode.Shared"/> keeps every reference as <c>$ref</c>, and <see cref="EmitMode.Compact"/> also shortens
/// descriptions: the compiler's steps for a tool over its size budget. Nesting deeper than the configured depth
/// becomes <c>{}</c> and is reported.
/// </para>
/// </remarks>
internal sealed class SchemaEmitter
{
    /// <summary>A referenced schema whose expansion is larger than this is referenced through <c>$defs</c>, not inlined.</summary>
    internal const int ShareAboveBytes = 2 * 1024;

    /// <summary>A referenced schema at least this large that one tool schema would inline twice or more goes to <c>$defs</c>.</summary>
    internal const int ShareRepeatedFromBytes = 256;

    /// <summary>The longest schema description in <see cref="EmitMode.Compact"/>, in characters.</summary>
    internal const int CompactDescriptionLength = 120;

    /// <summary>A fragment that grows beyond this is rendered again with every reference it holds kept as <c>$ref</c>.</summary>
    internal const int FragmentHardLimitBytes = 1024 * 1024;

    private const int MaxJsonDepth = 4096;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
        MaxDepth = MaxJsonDepth,
    };

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MaxJsonDepth };

    private readonly int _maxDepth;
    private readonly IList<string> _allowedExternalHosts;
    private readonly Dictionary<string, RefNode> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<OpenApiSchemaReference, RefNode> _byInstance = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<string> _defNames = new(StringComparer.Ordinal);
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private int _nextIndex;

    /// <summary>Initializes a new instance of the <see cref="SchemaEmitter"/> class.</summary>
    /// <param name="document">The document whose component schemas get their <c>$defs</c> names first, in sorted order.</param>
    /// <param name="maxDepth">The deepest schema nesting that is expanded.</param>
    /// <param name="allowedExternalHosts">Hosts named in the options; external references are reported either way.</param>
    public SchemaEmitter(OpenApiDocument document, int maxDepth, IList<string> allowedExternalHosts)
    {
        _maxDepth = maxDepth;
        _allowedExternalHosts = allowedExternalHosts;
        if (document.Components?.Schemas is { } schemas)
        {
            foreach (var id in schemas.Keys.Order(StringComparer.Ordinal))
            {
                _ = ReserveDefName(id);
            }
        }
    }

    /// <summary>Gets the writer options every schema buffer uses.</summary>
    public static JsonWriterOptions JsonWriterOptions => WriterOptions;

    /// <summary>Creates a writer scope for one tool schema.</summary>
    public static EmitScope CreateScope(long limit, EmitMode mode = EmitMode.Normal) => new(limit, mode);

    /// <summary>Writes one tool schema with <paramref name="write"/> and returns its bytes.</summary>
    /// <param name="limit">The largest schema in bytes; beyond it <see cref="SchemaTooLargeException"/> is thrown.</param>
    /// <param name="mode">How references are written.</param>
    /// <param name="write">Writes the whole schema (including <see cref="WriteDefinitions"/>) with the scope it is given.</param>
    /// <returns>The schema and the scope it was written with.</returns>
    /// <remarks>
    /// In <see cref="EmitMode.Normal"/> the schema is written twice when the first writing inlined a schema of at least
    /// <see cref="ShareRepeatedFromBytes"/> more than once: the second writing shares those under <c>$defs</c>.
    /// </remarks>
    /// <exception cref="SchemaTooLargeException">The schema is larger than <paramref name="limit"/>.</exception>
    public (byte[] Bytes, EmitScope Scope) Emit(long limit, EmitMode mode, Action<Utf8JsonWriter, EmitScope> write)
    {
        var scope = new EmitScope(limit, mode);
        var bytes = WriteOnce(scope, write);
        if (mode != EmitMode.Normal)
        {
            return (bytes, scope);
        }

        HashSet<RefNode>? repeated = null;
        foreach (var (node, count) in scope.InlineCounts)
        {
            if (count > 1 && node.Fragments[(int)EmitMode.Normal] is { } fragment && fragment.Json.Length >= ShareRepeatedFromBytes)
            {
                (repeated ??= new HashSet<RefNode>(ReferenceEqualityComparer.Instance)).Add(node);
            }
        }

        if (repeated is null)
        {
            return (bytes, scope);
        }

        scope = new EmitScope(limit, mode, repeated);
        return (WriteOnce(scope, write), scope);
    }

    private byte[] WriteOnce(EmitScope scope, Action<Utf8JsonWriter, EmitScope> write)
    {
        _buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(_buffer, WriterOptions))
        {
            write(writer, scope);
        }

        return _buffer.WrittenSpan.ToArray();
    }

    /// <summary>Resolves <paramref name="schema"/> through references to the schema that holds its keywords.</summary>
    /// <returns>The schema, or <see langword="null"/> when a reference cannot be resolved.</returns>
    public IOpenApiSchema? Resolve(IOpenApiSchema? schema)
    {
        for (var hops = 0; schema is OpenApiSchemaReference reference && hops < 64; hops++)
        {
            var node = GetNode(reference);
            if (node.Target is null)
            {
                return null;
            }

            schema = node.Target;
        }

        return schema is OpenApiSchemaReference ? null : schema;
    }

    /// <summary>
    /// The extension (on a schema or a parameter) that classifies an argument for audit redaction: <c>secret</c>,
    /// <c>personal</c> or <c>public</c>. It is copied, lower-cased, into the tool's input schema (see docs/audit.md).
    /// </summary>
    public const string ClassificationKeyword = "x-msil-classification";

    /// <summary>Returns the lower-cased string value of <see cref="ClassificationKeyword"/> in <paramref name="extensions"/>, if any.</summary>
    public static string? ClassificationOf(IDictionary<string, IOpenApiExtension>? extensions)
        => extensions is not null
            && extensions.TryGetValue(ClassificationKeyword, out var extension)
            && extension is JsonNodeExtension { Node: JsonValue value }
            && value.TryGetValue<string>(out var text)
            && !string.IsNullOrWhiteSpace(text)
                ? text.Trim().ToLowerInvariant()
                : null;

    /// <summary>
    /// Returns the value of <c>x-mcp-header</c> (SEP-2243) on a parameter object, if any: the header name clients mirror
    /// the argument into (<c>Mcp-Param-{name}</c>). It is copied as written (a number or an object too), so the
    /// declaration check reports a value that is not a string instead of the compiler converting or dropping it.
    /// </summary>
    public static JsonNode? McpHeaderOf(IDictionary<string, IOpenApiExtension>? extensions)
        => extensions is not null
            && extensions.TryGetValue(McpHeaderNames.Keyword, out var extension)
            && extension is JsonNodeExtension { Node: { } node }
                ? node.DeepClone()
                : null;

    /// <summary>Writes <paramref name="schema"/> as a complete JSON Schema value.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="schema">The schema; <see langword="null"/> writes <c>{}</c>.</param>
    /// <param name="depth">The nesting depth of the value in the output (the root is 0).</param>
    /// <param name="scope">Collects definitions, unresolved references and limits for the output.</param>
    /// <param name="overrides">Annotations that replace the schema's own, if any.</param>
    public void WriteSchema(Utf8JsonWriter writer, IOpenApiSchema? schema, int depth, EmitScope scope, SchemaOverrides? overrides = null)
    {
        scope.CheckSize(writer, 0);
        if (schema is null || depth > _maxDepth)
        {
            if (schema is not null)
            {
                scope.DepthCapped = true;
            }

            writer.WriteStartObject();
            WriteOverrides(writer, overrides, scope);
            writer.WriteEndObject();
            return;
        }

        scope.Track(depth);
        if (schema is OpenApiSchemaReference reference)
        {
            var node = GetReadyNode(reference);
            var merged = SchemaOverrides.Merge(overrides, reference);
            if (node.Target is not null && !node.UseDefs && !scope.ForceRefs && !scope.Shares(node) && merged is null)
            {
                var fragment = GetFragment(node, scope.Mode);
                if (fragment is not null && depth + fragment.Height <= _maxDepth && !scope.MustExpand(fragment))
                {
                    scope.CheckSize(writer, fragment.Json.Length);
                    scope.Merge(fragment, depth);
                    scope.CountInline(node, fragment);
                    writer.WriteRawValue(fragment.Json, skipInputValidation: true);
                    return;
                }
            }

            writer.WriteStartObject();
            WriteReferenceMembers(writer, node, depth, scope, merged, skipType: false);
            writer.WriteEndObject();
            return;
        }

        writer.WriteStartObject();
        WriteInlineMembers(writer, schema, depth, scope, overrides, skipType: false);
        writer.WriteEndObject();
    }

    /// <summary>Writes the members (keywords) of <paramref name="schema"/> into an object the caller has opened.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="schema">The schema.</param>
    /// <param name="depth">The nesting depth of the enclosing object.</param>
    /// <param name="scope">The output scope.</param>
    /// <param name="skipType"><see langword="true"/> to leave out <c>type</c> because the caller wrote its own.</param>
    public void WriteMembers(Utf8JsonWriter writer, IOpenApiSchema schema, int depth, EmitScope scope, bool skipType)
    {
        scope.Track(depth);
        if (schema is OpenApiSchemaReference reference)
        {
            var node = GetReadyNode(reference);
            WriteReferenceMembers(writer, node, depth, scope, SchemaOverrides.Merge(null, reference), skipType);
        }
        else
        {
            WriteInlineMembers(writer, schema, depth, scope, overrides: null, skipType);
        }
    }

    /// <summary>Writes <c>"$defs"</c> with every definition <paramref name="scope"/> needs, if any, sorted by name.</summary>
    public void WriteDefinitions(Utf8JsonWriter writer, EmitScope scope)
    {
        if (scope.Definitions.Count == 0)
        {
            return;
        }

        // A definition is its cached fragment, or, when the fragment inlines a schema this scope shares, written anew.
        var bodies = new Dictionary<RefNode, byte[]?>(ReferenceEqualityComparer.Instance);
        var queue = new Queue<RefNode>(scope.Definitions);
        while (queue.Count > 0)
        {
            var node = queue.Dequeue();
            if (bodies.ContainsKey(node))
            {
                continue;
            }

            var fragment = GetFragment(node, scope.Mode);
            if (fragment is null)
            {
                bodies.Add(node, null);
                continue;
            }

            if (!scope.MustExpand(fragment))
            {
                bodies.Add(node, fragment.Json);
                scope.CheckSize(writer, fragment.Json.Length);
                scope.Merge(fragment, 0);
                scope.CountInlinedIn(fragment);
                foreach (var dependency in fragment.Definitions)
                {
                    queue.Enqueue(dependency);
                }

                continue;
            }

            var buffer = new ArrayBufferWriter<byte>(fragment.Json.Length);
            using (var body = new Utf8JsonWriter(buffer, WriterOptions))
            {
                body.WriteStartObject();
                WriteMembersOf(body, node.Target!, 0, scope, overrides: null, skipType: false);
                body.WriteEndObject();
            }

            bodies.Add(node, buffer.WrittenSpan.ToArray());
            scope.CheckSize(writer, buffer.WrittenCount);
            foreach (var dependency in scope.Definitions)
            {
                if (!bodies.ContainsKey(dependency))
                {
                    queue.Enqueue(dependency);
                }
            }
        }

        var all = bodies.Keys.ToList();
        all.Sort(static (a, b) => string.CompareOrdinal(a.DefName, b.DefName));
        writer.WriteStartObject("$defs");
        foreach (var node in all)
        {
            writer.WritePropertyName(node.DefName);
            if (bodies[node] is { } json)
            {
                writer.WriteRawValue(json, skipInputValidation: true);
            }
            else
            {
                writer.WriteStartObject();
                writer.WriteEndObject();
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes a JSON value from the OpenAPI model, turning the library's null sentinel into <c>null</c>.</summary>
    public static void WriteValue(Utf8JsonWriter writer, JsonNode? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (name, child) in obj)
                {
                    writer.WritePropertyName(name);
                    WriteValue(writer, child);
                }

                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var child in array)
                {
                    WriteValue(writer, child);
                }

                writer.WriteEndArray();
                break;
            default:
                if (JsonNullSentinel.IsJsonNullSentinel(value))
                {
                    writer.WriteNullValue();
                }
                else
                {
                    value.WriteTo(writer);
                }

                break;
        }
    }

    private void WriteReferenceMembers(
        Utf8JsonWriter writer,
        RefNode node,
        int depth,
        EmitScope scope,
        SchemaOverrides? overrides,
        bool skipType)
    {
        if (node.Target is null)
        {
            scope.AddUnresolved(node);
            WriteOverrides(writer, overrides, scope);
            return;
        }

        if (node.UseDefs || scope.ForceRefs || scope.Shares(node))
        {
            scope.Definitions.Add(node);
            writer.WriteString("$ref", "#/$defs/" + node.DefName);
            WriteOverrides(writer, overrides, scope);
            return;
        }

        var fragment = GetFragment(node, scope.Mode);
        if (fragment is null || depth + fragment.Height > _maxDepth || scope.MustExpand(fragment))
        {
            // The cached expansion does not fit below this depth, or inlines a schema this scope shares: expand it again.
            scope.CountInline(node, fragment: null);
            WriteMembersOf(writer, node.Target, depth, scope, overrides, skipType);
            return;
        }

        scope.CheckSize(writer, fragment.Json.Length);
        scope.Merge(fragment, depth);
        scope.CountInline(node, fragment);
        WriteOverrides(writer, overrides, scope);
        CopyMembers(writer, fragment.Json, overrides, skipType);
    }

    private void WriteMembersOf(Utf8JsonWriter writer, IOpenApiSchema schema, int depth, EmitScope scope, SchemaOverrides? overrides, bool skipType)
    {
        if (schema is OpenApiSchemaReference inner)
        {
            var innerNode = GetReadyNode(inner);
            WriteReferenceMembers(writer, innerNode, depth, scope, SchemaOverrides.Merge(overrides, inner), skipType);
        }
        else
        {
            WriteInlineMembers(writer, schema, depth, scope, overrides, skipType);
        }
    }

    private static void CopyMembers(Utf8JsonWriter writer, byte[] json, SchemaOverrides? overrides, bool skipType)
    {
        var reader = new Utf8JsonReader(json, ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            if (!reader.Read())
            {
                return;
            }

            if ((skipType && name == "type") || (overrides is not null && overrides.Replaces(name)))
            {
                reader.Skip();
                continue;
            }

            var start = (int)reader.TokenStartIndex;
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }

            var end = (int)reader.BytesConsumed;
            writer.WritePropertyName(name);
            writer.WriteRawValue(json.AsSpan(start, end - start), skipInputValidation: true);
        }
    }

    private void WriteInlineMembers(Utf8JsonWriter writer, IOpenApiSchema schema, int depth, EmitScope scope, SchemaOverrides? overrides, bool skipType)
    {
        var type = schema.Type;
        if (!skipType && type is { } t && t != 0)
        {
            WriteType(writer, t);
        }

        WriteOverrides(writer, overrides, scope);
        if (overrides?.Title is null && !string.IsNullOrEmpty(schema.Title))
        {
            writer.WriteString("title", schema.Title);
        }

        if (overrides?.Description is null && !string.IsNullOrEmpty(schema.Description))
        {
            writer.WriteString("description", scope.Describe(schema.Description));
        }

        if (!string.IsNullOrEmpty(schema.Format))
        {
            writer.WriteString("format", schema.Format);
        }

        if (overrides?.Classification is null && ClassificationOf(schema.Extensions) is { } classification)
        {
            writer.WriteString(ClassificationKeyword, classification);
        }

        if (TypedConst.Of(schema.Extensions, out var typedConstant))
        {
            writer.WritePropertyName("const");
            WriteValue(writer, typedConstant);
        }
        else if (schema.Const is { } constant)
        {
            // The reader keeps 'const' as text; a value that was not a JSON string was moved aside before reading (TypedConst).
            writer.WritePropertyName("const");
            writer.WriteStringValue(constant);
        }

        if (schema.Enum is { Count: > 0 } values)
        {
            writer.WriteStartArray("enum");
            var hasNull = false;
            foreach (var value in values)
            {
                hasNull |= value is null || JsonNullSentinel.IsJsonNullSentinel(value);
                WriteValue(writer, value);
            }

            if (!hasNull && type is { } nullable && nullable.HasFlag(JsonSchemaType.Null))
            {
                writer.WriteNullValue();
            }

            writer.WriteEndArray();
        }

        if (overrides?.HasDefault != true && schema.Default is { } defaultValue)
        {
            writer.WritePropertyName("default");
            WriteValue(writer, defaultValue);
        }

        if (schema.MultipleOf is { } multipleOf)
        {
            writer.WriteNumber("multipleOf", multipleOf);
        }

        WriteNumber(writer, "minimum", schema.Minimum);
        WriteNumber(writer, "exclusiveMinimum", schema.ExclusiveMinimum);
        WriteNumber(writer, "maximum", schema.Maximum);
        WriteNumber(writer, "exclusiveMaximum", schema.ExclusiveMaximum);
        if (schema.MinLength is { } minLength)
        {
            writer.WriteNumber("minLength", minLength);
        }

        if (schema.MaxLength is { } maxLength)
        {
            writer.WriteNumber("maxLength", maxLength);
        }

        if (!string.IsNullOrEmpty(schema.Pattern))
        {
            writer.WriteString("pattern", schema.Pattern);
        }

        if (schema.Items is { } items)
        {
            writer.WritePropertyName("items");
            WriteSchema(writer, items, depth + 1, scope);
        }

        if (schema.MinItems is { } minItems)
        {
            writer.WriteNumber("minItems", minItems);
        }

        if (schema.MaxItems is { } maxItems)
        {
            writer.WriteNumber("maxItems", maxItems);
        }

        if (schema.UniqueItems is true)
        {
            writer.WriteBoolean("uniqueItems", true);
        }

        if (schema.Properties is { Count: > 0 } properties)
        {
            writer.WriteStartObject("properties");
            foreach (var (name, property) in properties)
            {
                writer.WritePropertyName(name);
                WriteSchema(writer, property, depth + 1, scope);
            }

            writer.WriteEndObject();
        }

        if (schema.PatternProperties is { Count: > 0 } patternProperties)
        {
            writer.WriteStartObject("patternProperties");
            foreach (var (pattern, property) in patternProperties)
            {
                writer.WritePropertyName(pattern);
                WriteSchema(writer, property, depth + 1, scope);
            }

            writer.WriteEndObject();
        }

        if (schema.AdditionalProperties is { } additional)
        {
            writer.WritePropertyName("additionalProperties");
            WriteSchema(writer, additional, depth + 1, scope);
        }
        else if (!schema.AdditionalPropertiesAllowed)
        {
            writer.WriteBoolean("additionalProperties", false);
        }

        if (schema.Required is { Count: > 0 } required)
        {
            writer.WriteStartArray("required");
            foreach (var name in OrderRequired(required, properties: schema.Properties))
            {
                writer.WriteStringValue(name);
            }

            writer.WriteEndArray();
        }

        if (schema.MinProperties is { } minProperties)
        {
            writer.WriteNumber("minProperties", minProperties);
        }

        if (schema.MaxProperties is { } maxProperties)
        {
            writer.WriteNumber("maxProperties", maxProperties);
        }

        WriteSchemaArray(writer, "allOf", schema.AllOf, depth, scope);
        WriteSchemaArray(writer, "anyOf", schema.AnyOf, depth, scope);
        WriteSchemaArray(writer, "oneOf", schema.OneOf, depth, scope);
        if (schema.Not is { } not)
        {
            writer.WritePropertyName("not");
            WriteSchema(writer, not, depth + 1, scope);
        }

        if (!(overrides?.Deprecated ?? false) && schema.Deprecated)
        {
            writer.WriteBoolean("deprecated", true);
        }

        if (!(overrides?.ReadOnly ?? false) && schema.ReadOnly)
        {
            writer.WriteBoolean("readOnly", true);
        }

        if (!(overrides?.WriteOnly ?? false) && schema.WriteOnly)
        {
            writer.WriteBoolean("writeOnly", true);
        }

        if (overrides?.Examples is null)
        {
            if (schema.Examples is { Count: > 0 } examples)
            {
                writer.WriteStartArray("examples");
                foreach (var example in examples)
                {
                    WriteValue(writer, example);
                }

                writer.WriteEndArray();
            }
#pragma warning disable CS0618 // 3.0 documents still fill the single 'example'.
            else if (schema.Example is { } example)
#pragma warning restore CS0618
            {
                writer.WriteStartArray("examples");
                WriteValue(writer, example);
                writer.WriteEndArray();
            }
        }
    }

    private void WriteSchemaArray(Utf8JsonWriter writer, string keyword, IList<IOpenApiSchema>? schemas, int depth, EmitScope scope)
    {
        if (schemas is not { Count: > 0 })
        {
            return;
        }

        writer.WriteStartArray(keyword);
        foreach (var schema in schemas)
        {
            WriteSchema(writer, schema, depth + 1, scope);
        }

        writer.WriteEndArray();
    }

    private static void WriteOverrides(Utf8JsonWriter writer, SchemaOverrides? overrides, EmitScope scope)
    {
        if (overrides is null)
        {
            return;
        }

        if (overrides.Title is { } title)
        {
            writer.WriteString("title", title);
        }

        if (overrides.Description is { } description)
        {
            writer.WriteString("description", scope.Describe(description));
        }

        if (overrides.HasDefault)
        {
            writer.WritePropertyName("default");
            WriteValue(writer, overrides.Default);
        }

        if (overrides.Deprecated)
        {
            writer.WriteBoolean("deprecated", true);
        }

        if (overrides.ReadOnly)
        {
            writer.WriteBoolean("readOnly", true);
        }

        if (overrides.WriteOnly)
        {
            writer.WriteBoolean("writeOnly", true);
        }

        if (overrides.Classification is { } classification)
        {
            writer.WriteString(ClassificationKeyword, classification);
        }

        if (overrides.McpHeader is { } header)
        {
            writer.WritePropertyName(McpHeaderNames.Keyword);
            WriteValue(writer, header);
        }

        if (overrides.Examples is { } examples)
        {
            writer.WriteStartArray("examples");
            foreach (var example in examples)
            {
                WriteValue(writer, example);
            }

            writer.WriteEndArray();
        }
    }

    private static void WriteType(Utf8JsonWriter writer, JsonSchemaType type)
    {
        Span<JsonSchemaType> order = [JsonSchemaType.Boolean, JsonSchemaType.Integer, JsonSchemaType.Number, JsonSchemaType.String, JsonSchemaType.Array, JsonSchemaType.Object, JsonSchemaType.Null];
        var count = 0;
        foreach (var flag in order)
        {
            if (type.HasFlag(flag))
            {
                count++;
            }
        }

        if (count == 1)
        {
            writer.WriteString("type", TypeName(type));
            return;
        }

        writer.WriteStartArray("type");
        foreach (var flag in order)
        {
            if (type.HasFlag(flag))
            {
                writer.WriteStringValue(TypeName(flag));
            }
        }

        writer.WriteEndArray();
    }

    private static string TypeName(JsonSchemaType type) => type switch
    {
        JsonSchemaType.Boolean => "boolean",
        JsonSchemaType.Integer => "integer",
        JsonSchemaType.Number => "number",
        JsonSchemaType.String => "string",
        JsonSchemaType.Array => "array",
        JsonSchemaType.Object => "object",
        _ => "null",
    };

    private static void WriteNumber(Utf8JsonWriter writer, string keyword, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return;
        }

        if (decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            writer.WriteNumber(keyword, number);
        }
        else if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real))
        {
            writer.WriteNumber(keyword, real);
        }
    }

    /// <summary>Orders required names as their properties are declared, then the rest in ordinal order.</summary>
    internal static IEnumerable<string> OrderRequired(ISet<string> required, IDictionary<string, IOpenApiSchema>? properties)
    {
        var ordered = new List<string>(required.Count);
        if (properties is not null)
        {
            foreach (var name in properties.Keys)
            {
                if (required.Contains(name))
                {
                    ordered.Add(name);
                }
            }
        }

        if (ordered.Count < required.Count)
        {
            var rest = required.Where(name => properties is null || !properties.ContainsKey(name)).Order(StringComparer.Ordinal);
            ordered.AddRange(rest);
        }

        return ordered;
    }

    private RefNode GetReadyNode(OpenApiSchemaReference reference)
    {
        var node = GetNode(reference);
        if (!node.Done)
        {
            Analyze(node);
        }

        return node;
    }

    private RefNode GetNode(OpenApiSchemaReference reference)
    {
        if (_byInstance.TryGetValue(reference, out var known))
        {
            return known;
        }

        var link = reference.Reference;
        var key = link?.ReferenceV3 ?? ("#/components/schemas/" + link?.Id);
        if (!_nodes.TryGetValue(key, out var node))
        {
            node = CreateNode(reference, key);
            _nodes.Add(key, node);
        }

        _byInstance[reference] = node;
        return node;
    }

    private RefNode CreateNode(OpenApiSchemaReference reference, string key)
    {
        var link = reference.Reference;
        var id = link?.Id;
        if (string.IsNullOrEmpty(id))
        {
            var slash = key.LastIndexOf('/');
            id = slash >= 0 && slash < key.Length - 1 ? key[(slash + 1)..] : "schema";
        }

        var componentKey = "#/components/schemas/" + id;
        var defName = key == componentKey ? SanitizeDefName(id) : null;
        if (defName is null || !_defNames.Contains(defName))
        {
            defName = ReserveDefName(id);
        }

        string? unresolved = null;
        IOpenApiSchema? target = null;
        if (link is null)
        {
            unresolved = "the reference has no target";
        }
        else if (link.IsExternal)
        {
            var host = ExternalHost(link.ExternalResource);
            unresolved = host is not null && _allowedExternalHosts.Contains(host, StringComparer.OrdinalIgnoreCase)
                ? $"external reference '{key}' was not fetched: loading external documents is not supported yet"
                : $"external reference '{key}' was not fetched: its host is not in AllowedExternalHosts";
        }
        else
        {
            try
            {
                target = reference.Target;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The library throws for some malformed or circular references; such a reference is unresolved.
                target = null;
            }

            if (target is null)
            {
                unresolved = $"reference '{key}' cannot be resolved in the document";
            }
        }

        return new RefNode(key, defName, target, unresolved);
    }

    private static string? ExternalHost(string? resource) =>
        Uri.TryCreate(resource, UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.Host) ? uri.Host : null;

    private string ReserveDefName(string id)
    {
        var name = SanitizeDefName(id);
        if (_defNames.Add(name))
        {
            return name;
        }

        for (var n = 2; ; n++)
        {
            var candidate = name + "_" + n.ToString(CultureInfo.InvariantCulture);
            if (_defNames.Add(candidate))
            {
                return candidate;
            }
        }
    }

    private static string SanitizeDefName(string id)
    {
        var chars = id.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!char.IsAsciiLetterOrDigit(chars[i]) && chars[i] is not ('_' or '.' or '-'))
            {
                chars[i] = '_';
            }
        }

        var name = new string(chars);
        return name.Length == 0 ? "schema" : name;
    }

    /// <summary>Runs Tarjan's strongly connected components algorithm from <paramref name="root"/> (iteratively).</summary>
    private void Analyze(RefNode root)
    {
        var completed = new List<RefNode>();
        var stack = new Stack<RefNode>();
        var work = new Stack<(RefNode Node, int Edge)>();

        Start(root);
        while (work.Count > 0)
        {
            var (node, edge) = work.Pop();
            var edges = node.Edges!;
            if (edge < edges.Count)
            {
                work.Push((node, edge + 1));
                var next = edges[edge];
                if (next.Done)
                {
                    continue;
                }

                if (next.Index < 0)
                {
                    Start(next);
                }
                else if (next.OnStack)
                {
                    node.LowLink = Math.Min(node.LowLink, next.Index);
                }

                continue;
            }

            if (node.LowLink == node.Index)
            {
                var members = new List<RefNode>();
                RefNode member;
                do
                {
                    member = stack.Pop();
                    member.OnStack = false;
                    member.Done = true;
                    members.Add(member);
                }
                while (!ReferenceEquals(member, node));

                var recursive = members.Count > 1 || node.Edges!.Contains(node);
                foreach (var m in members)
                {
                    m.Recursive = recursive;
                    m.UseDefs = recursive;
                }

                members.Reverse();
                completed.AddRange(members);
            }

            if (work.Count > 0)
            {
                var parent = work.Peek().Node;
                parent.LowLink = Math.Min(parent.LowLink, node.LowLink);
            }
        }

        // Children complete before their parents, so every inlined reference already has its fragment.
        foreach (var node in completed)
        {
            _ = GetFragment(node, EmitMode.Normal);
        }

        void Start(RefNode node)
        {
            node.Index = node.LowLink = _nextIndex++;
            node.OnStack = true;
            node.Edges ??= FindEdges(node);
            stack.Push(node);
            work.Push((node, 0));
        }
    }

    /// <summary>Finds the referenced schemas that <paramref name="node"/>'s schema uses, without following them.</summary>
    private List<RefNode> FindEdges(RefNode node)
    {
        var edges = new List<RefNode>();
        if (node.Target is null)
        {
            return edges;
        }

        var seenNodes = new HashSet<RefNode>(ReferenceEqualityComparer.Instance);
        var seenSchemas = new HashSet<IOpenApiSchema>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<(IOpenApiSchema Schema, int Depth)>();
        pending.Push((node.Target, 0));
        while (pending.Count > 0)
        {
            var (schema, depth) = pending.Pop();
            if (schema is OpenApiSchemaReference reference)
            {
                var target = GetNode(reference);
                if (seenNodes.Add(target))
                {
                    edges.Add(target);
                }

                continue;
            }

            if (depth >= _maxDepth || !seenSchemas.Add(schema))
            {
                continue;
            }

            foreach (var child in Children(schema))
            {
                if (child is not null)
                {
                    pending.Push((child, depth + 1));
                }
            }
        }

        return edges;
    }

    private static IEnumerable<IOpenApiSchema?> Children(IOpenApiSchema schema)
    {
        yield return schema.Items;
        yield return schema.AdditionalProperties;
        yield return schema.Not;
        if (schema.Properties is { } properties)
        {
            foreach (var value in properties.Values)
            {
                yield return value;
            }
        }

        if (schema.PatternProperties is { } patternProperties)
        {
            foreach (var value in patternProperties.Values)
            {
                yield return value;
            }
        }

        foreach (var list in (IList<IOpenApiSchema>?[])[schema.AllOf, schema.AnyOf, schema.OneOf])
        {
            if (list is not null)
            {
                foreach (var value in list)
                {
                    yield return value;
                }
            }
        }
    }

    private Fragment? GetFragment(RefNode node, EmitMode mode)
    {
        var slot = (int)mode;
        if (node.Fragments[slot] is { } cached || node.Target is null)
        {
            return node.Fragments[slot];
        }

        if (mode != EmitMode.Normal)
        {
            // Every reference inside stays a reference, so the rendering never recurses and never outgrows the source.
            return node.Fragments[slot] = Render(node, new EmitScope(long.MaxValue, mode));
        }

        if (node.Rendering)
        {
            // Reached again while it is being rendered: a cycle the analysis did not see. Reference it instead.
            node.UseDefs = true;
            return null;
        }

        node.Rendering = true;
        try
        {
            Fragment fragment;
            try
            {
                fragment = Render(node, new EmitScope(FragmentHardLimitBytes, EmitMode.Normal));
            }
            catch (SchemaTooLargeException)
            {
                fragment = Render(node, new EmitScope(long.MaxValue, EmitMode.Shared));
            }

            node.Fragments[slot] = fragment;
            if (fragment.Json.Length > ShareAboveBytes)
            {
                node.UseDefs = true;
            }

            return fragment;
        }
        finally
        {
            node.Rendering = false;
        }
    }

    private Fragment Render(RefNode node, EmitScope scope)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            if (node.Target is OpenApiSchemaReference alias)
            {
                // A component that is only a reference to another one.
                var target = GetReadyNode(alias);
                writer.WriteStartObject();
                WriteReferenceMembers(writer, target, 0, scope, SchemaOverrides.Merge(null, alias), skipType: false);
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteStartObject();
                WriteInlineMembers(writer, node.Target!, 0, scope, overrides: null, skipType: false);
                writer.WriteEndObject();
            }
        }

        return new Fragment(
            buffer.WrittenSpan.ToArray(),
            scope.MaxDepthSeen,
            [.. scope.Definitions],
            [.. scope.Unresolved],
            scope.DepthCapped,
            scope.InlineCounts.Count == 0 ? null : scope.InlineCounts);
    }
}

/// <summary>A referenced schema: its target, its place in the reference graph and its cached rendering.</summary>
internal sealed class RefNode(string key, string defName, IOpenApiSchema? target, string? unresolvedReason)
{
    /// <summary>Gets the reference text (<c>#/components/schemas/Pet</c>).</summary>
    public string Key { get; } = key;

    /// <summary>Gets the key under <c>$defs</c> when the schema is referenced rather than inlined.</summary>
    public string DefName { get; } = defName;

    /// <summary>Gets the resolved schema, or <see langword="null"/> when it cannot be resolved.</summary>
    public IOpenApiSchema? Target { get; } = target;

    /// <summary>Gets why the reference cannot be resolved, if it cannot.</summary>
    public string? UnresolvedReason { get; } = unresolvedReason;

    public List<RefNode>? Edges { get; set; }

    public int Index { get; set; } = -1;

    public int LowLink { get; set; }

    public bool OnStack { get; set; }

    /// <summary>Gets or sets a value indicating whether the strongly connected component of this node is known.</summary>
    public bool Done { get; set; }

    /// <summary>Gets or sets a value indicating whether the schema can reach itself.</summary>
    public bool Recursive { get; set; }

    /// <summary>Gets or sets a value indicating whether uses are written as <c>$ref</c> into <c>$defs</c>.</summary>
    public bool UseDefs { get; set; }

    public bool Rendering { get; set; }

    /// <summary>Gets the cached rendering per <see cref="EmitMode"/> (indexed by its value).</summary>
    public Fragment?[] Fragments { get; } = new Fragment?[3];
}

/// <summary>A schema rendered once as compact UTF-8 JSON, with what it needs from the schema that copies it.</summary>
/// <param name="Json">The JSON object.</param>
/// <param name="Height">How deep the rendering nests below its root.</param>
/// <param name="Definitions">The nodes it refers to through <c>$defs</c>.</param>
/// <param name="Unresolved">The references it replaced with <c>{}</c>.</param>
/// <param name="DepthCapped">Whether nesting was cut at the depth limit.</param>
/// <param name="Inlined">How many times each referenced schema was inlined in it, nested ones included; <see langword="null"/> for none.</param>
internal sealed record Fragment(byte[] Json, int Height, RefNode[] Definitions, RefNode[] Unresolved, bool DepthCapped, Dictionary<RefNode, int>? Inlined);

/// <summary>How <see cref="SchemaEmitter"/> writes references and descriptions.</summary>
internal enum EmitMode
{
    /// <summary>Small schemas are inlined; recursive, large and (per tool) repeated ones are shared under <c>$defs</c>.</summary>
    Normal = 0,

    /// <summary>Every reference is written as <c>$ref</c> and every referenced schema is a definition under <c>$defs</c>.</summary>
    Shared = 1,

    /// <summary>As <see cref="Shared"/>, with descriptions shortened to their first sentence (at most 120 characters).</summary>
    Compact = 2,
}

/// <summary>What one output (a tool schema or a fragment) collects while it is written.</summary>
internal sealed class EmitScope(long limit, EmitMode mode, HashSet<RefNode>? shared = null)
{
    /// <summary>Gets the largest output in bytes.</summary>
    public long Limit { get; } = limit;

    /// <summary>Gets how references and descriptions are written.</summary>
    public EmitMode Mode { get; } = mode;

    /// <summary>Gets a value indicating whether every reference is written as <c>$ref</c>.</summary>
    public bool ForceRefs => Mode != EmitMode.Normal;

    /// <summary>Gets how many times each referenced schema was inlined, nested ones included.</summary>
    public Dictionary<RefNode, int> InlineCounts { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>Returns whether this scope writes <paramref name="node"/> as <c>$ref</c> although it is normally inlined.</summary>
    public bool Shares(RefNode node) => shared is not null && shared.Contains(node);

    /// <summary>Returns whether <paramref name="fragment"/> inlines a schema this scope shares, so it cannot be copied.</summary>
    public bool MustExpand(Fragment fragment)
    {
        if (shared is null || fragment.Inlined is not { } inlined)
        {
            return false;
        }

        foreach (var node in shared)
        {
            if (inlined.ContainsKey(node))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Counts one inlining of <paramref name="node"/>, and what its fragment inlines in turn.</summary>
    public void CountInline(RefNode node, Fragment? fragment)
    {
        InlineCounts[node] = InlineCounts.GetValueOrDefault(node) + 1;
        if (fragment?.Inlined is { } inner)
        {
            foreach (var (child, count) in inner)
            {
                InlineCounts[child] = InlineCounts.GetValueOrDefault(child) + count;
            }
        }
    }

    /// <summary>Counts what <paramref name="fragment"/> inlines, for a fragment copied as a definition (not itself inlined).</summary>
    public void CountInlinedIn(Fragment fragment)
    {
        if (fragment.Inlined is { } inner)
        {
            foreach (var (child, count) in inner)
            {
                InlineCounts[child] = InlineCounts.GetValueOrDefault(child) + count;
            }
        }
    }

    /// <summary>Returns <paramref name="description"/> as this scope writes it: whole, or shortened in <see cref="EmitMode.Compact"/>.</summary>
    public string Describe(string description)
        => Mode == EmitMode.Compact ? DescriptionText.Shorten(description, SchemaEmitter.CompactDescriptionLength) : description;

    /// <summary>Gets the nodes that must appear under <c>$defs</c>.</summary>
    public HashSet<RefNode> Definitions { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>Gets the unresolved references met.</summary>
    public HashSet<RefNode> Unresolved { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>Gets or sets a value indicating whether nesting was cut at the depth limit.</summary>
    public bool DepthCapped { get; set; }

    /// <summary>Gets the deepest nesting written.</summary>
    public int MaxDepthSeen { get; private set; }

    public void Track(int depth)
    {
        if (depth > MaxDepthSeen)
        {
            MaxDepthSeen = depth;
        }
    }

    public void AddUnresolved(RefNode node) => Unresolved.Add(node);

    public void Merge(Fragment fragment, int depth)
    {
        Track(depth + fragment.Height);
        DepthCapped |= fragment.DepthCapped;
        foreach (var node in fragment.Definitions)
        {
            Definitions.Add(node);
        }

        foreach (var node in fragment.Unresolved)
        {
            Unresolved.Add(node);
        }
    }

    /// <summary>Throws when writing <paramref name="more"/> bytes would take the output over <see cref="Limit"/>.</summary>
    /// <exception cref="SchemaTooLargeException">The output would be too large.</exception>
    public void CheckSize(Utf8JsonWriter writer, long more)
    {
        if (writer.BytesCommitted + writer.BytesPending + more > Limit)
        {
            throw new SchemaTooLargeException($"The schema is larger than {Limit} bytes.");
        }
    }
}

/// <summary>Annotations that replace a schema's own: from a parameter, a request body or a 3.1 <c>$ref</c>'s siblings.</summary>
internal sealed class SchemaOverrides
{
    public string? Title { get; init; }

    public string? Description { get; init; }

    public bool HasDefault { get; init; }

    public JsonNode? Default { get; init; }

    public bool Deprecated { get; init; }

    public bool ReadOnly { get; init; }

    public bool WriteOnly { get; init; }

    public IReadOnlyList<JsonNode?>? Examples { get; init; }

    /// <summary>Gets the data classification of a parameter (<c>x-msil-classification</c> on the parameter object).</summary>
    public string? Classification { get; init; }

    /// <summary>Gets or sets the <c>x-mcp-header</c> name of a parameter (SEP-2243), copied from the parameter object.</summary>
    /// <remarks>Settable: the compiler clears it when the tool's declarations are refused.</remarks>
    public JsonNode? McpHeader { get; set; }

    /// <summary>Returns whether the keyword is replaced by these overrides.</summary>
    public bool Replaces(string keyword) => keyword switch
    {
        "title" => Title is not null,
        "description" => Description is not null,
        "default" => HasDefault,
        "deprecated" => Deprecated,
        "readOnly" => ReadOnly,
        "writeOnly" => WriteOnly,
        "examples" => Examples is not null,
        SchemaEmitter.ClassificationKeyword => Classification is not null,
        McpHeaderNames.Keyword => McpHeader is not null,
        _ => false,
    };

    /// <summary>Combines <paramref name="outer"/> (which wins) with the annotations written next to a 3.1 <c>$ref</c>.</summary>
    public static SchemaOverrides? Merge(SchemaOverrides? outer, OpenApiSchemaReference reference)
    {
        var link = reference.Reference;
        if (link is null
            || (link.Title is null && link.Description is null && link.Default is null && link.Deprecated is not true
                && link.ReadOnly is not true && link.WriteOnly is not true && link.Examples is not { Count: > 0 }))
        {
            return outer;
        }

        return new SchemaOverrides
        {
            Title = outer?.Title ?? link.Title,
            Description = outer?.Description ?? link.Description,
            HasDefault = (outer?.HasDefault ?? false) || link.Default is not null,
            Default = outer?.HasDefault == true ? outer.Default : link.Default,
            Deprecated = (outer?.Deprecated ?? false) || link.Deprecated is true,
            ReadOnly = (outer?.ReadOnly ?? false) || link.ReadOnly is true,
            WriteOnly = (outer?.WriteOnly ?? false) || link.WriteOnly is true,
            Examples = outer?.Examples ?? (link.Examples is { Count: > 0 } examples ? [.. examples] : null),
            Classification = outer?.Classification,
            McpHeader = outer?.McpHeader,
        };
    }
}

/// <summary>Thrown when a schema outgrows the byte limit of the output it is written into.</summary>
internal sealed class SchemaTooLargeException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="SchemaTooLargeException"/> class.</summary>
    public SchemaTooLargeException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SchemaTooLargeException"/> class.</summary>
    /// <param name="message">The message.</param>
    public SchemaTooLargeException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SchemaTooLargeException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public SchemaTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
