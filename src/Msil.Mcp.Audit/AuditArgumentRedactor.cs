using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Compliance.Classification;
using Microsoft.Extensions.Compliance.Redaction;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Audit;

/// <summary>
/// Writes a call's arguments for its audit record with every sensitive value redacted. Sensitivity comes from the
/// tool's input schema (<c>x-msil-classification</c>, <c>format: password</c>, nested objects, arrays and
/// <c>$defs</c> references included) and from name fragments in <see cref="AuditRedactionOptions"/>; a sensitive
/// object or array is redacted as a whole. Redaction itself is Microsoft.Extensions.Compliance's: the redactor
/// configured for <see cref="MsilDataClassifications.Secret"/> or <see cref="MsilDataClassifications.Personal"/>
/// (the erasing redactor unless the host sets another), and an empty redaction is written as a marker so that a
/// reader sees a value was there. The schema walk is done once per tool definition.
/// </summary>
internal sealed class AuditArgumentRedactor : IAuditArgumentRedactor
{
    /// <summary>The schema keyword that classifies an argument: <c>secret</c>, <c>personal</c> or <c>public</c>.</summary>
    public const string ClassificationKeyword = "x-msil-classification";

    private const int MaxSchemaDepth = 64;
    private const int MaxValueDepth = 64;

    // A buffer grown past this by one large call is dropped rather than kept by the thread.
    private const int RetainedBufferBytes = 16 * 1024;

    private readonly ConditionalWeakTable<ToolDefinition, SchemaNode> _plans = [];
    private readonly AuditRedactionOptions _options;
    private readonly string[] _secretNames;
    private readonly string[] _personalNames;
    private readonly Redactor _secret;
    private readonly Redactor _personal;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public AuditArgumentRedactor(IRedactorProvider redactors, IOptions<AuditOptions> options)
    {
        ArgumentNullException.ThrowIfNull(redactors);
        _options = options.Value.Redaction;
        _secretNames = [.. (_options.SecretArgumentNames ?? AuditRedactionOptions.DefaultSecretArgumentNames).Select(Normalize).Where(n => n.Length > 0)];
        _personalNames = [.. (_options.PersonalArgumentNames ?? AuditRedactionOptions.DefaultPersonalArgumentNames).Select(Normalize).Where(n => n.Length > 0)];
        _secret = redactors.GetRedactor(new DataClassificationSet(MsilDataClassifications.Secret));
        _personal = redactors.GetRedactor(new DataClassificationSet(MsilDataClassifications.Personal));
    }

    private enum Sensitivity : byte
    {
        Unclassified,
        Public,
        Personal,
        Secret,
    }

    public string? Redact(ToolDefinition tool, IReadOnlyDictionary<string, JsonElement> arguments)
    {
        ArgumentNullException.ThrowIfNull(tool);
        ArgumentNullException.ThrowIfNull(arguments);
        if (!_options.RecordArguments)
        {
            return null;
        }

        var plan = _plans.GetValue(tool, static t => SchemaNode.Build(t.InputSchema));

        // One writer and buffer per thread (the text is copied out before returning; nothing below calls back in), and
        // the names sorted in a plain array: the audit stage runs this on every governed call.
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        try
        {
            writer.WriteStartObject();
            if (arguments.Count > 0)
            {
                var names = new string[arguments.Count];
                var i = 0;
                foreach (var key in arguments.Keys)
                {
                    names[i++] = key;
                }

                if (names.Length > 1)
                {
                    Array.Sort(names, StringComparer.Ordinal);
                }

                foreach (var name in names)
                {
                    var node = plan.Property(name);
                    writer.WritePropertyName(name);
                    WriteValue(writer, arguments[name], node, Classify(name, node, Sensitivity.Unclassified), 0);
                }
            }

            writer.WriteEndObject();
            writer.Flush();
            if (buffer.WrittenCount > _options.MaxArgumentsBytes)
            {
                return $"{{\"_omitted\":\"the arguments ({buffer.WrittenCount} bytes after redaction) exceed Msil:Mcp:Audit:Redaction:MaxArgumentsBytes ({_options.MaxArgumentsBytes}); args_sha256 identifies them\"}}";
            }

            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
        finally
        {
            if (buffer.Capacity > RetainedBufferBytes)
            {
                t_buffer = null;
                t_writer = null;
            }
        }
    }

    /// <summary>Lower-cases <paramref name="name"/> and keeps only ASCII letters and digits.</summary>
    internal static string Normalize(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return string.Empty;
        }

        var sb = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                sb.Append(char.ToLowerInvariant(c));
            }
        }

        return sb.ToString();
    }

    private static bool Matches(string name, string[] fragments)
    {
        if (fragments.Length == 0)
        {
            return false;
        }

        Span<char> buffer = name.Length <= 128 ? stackalloc char[name.Length] : new char[name.Length];
        var length = 0;
        foreach (var c in name)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                buffer[length++] = char.ToLowerInvariant(c);
            }
        }

        var normalized = buffer[..length];
        foreach (var fragment in fragments)
        {
            if (normalized.Contains(fragment, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private Sensitivity Classify(string? name, SchemaNode? node, Sensitivity inherited)
    {
        if (inherited is Sensitivity.Secret or Sensitivity.Personal)
        {
            return inherited;
        }

        switch (node?.Own)
        {
            case Sensitivity.Public:
                return Sensitivity.Public;
            case Sensitivity.Secret:
                return Sensitivity.Secret;
            case Sensitivity.Personal:
                return Sensitivity.Personal;
        }

        if (name is null)
        {
            return Sensitivity.Unclassified;
        }

        return Matches(name, _secretNames) ? Sensitivity.Secret
            : Matches(name, _personalNames) ? Sensitivity.Personal
            : Sensitivity.Unclassified;
    }

    private void WriteValue(Utf8JsonWriter writer, JsonElement value, SchemaNode? node, Sensitivity sensitivity, int depth)
    {
        if (sensitivity is Sensitivity.Secret or Sensitivity.Personal)
        {
            if (value.ValueKind == JsonValueKind.Null)
            {
                writer.WriteNullValue();
                return;
            }

            var text = value.ValueKind == JsonValueKind.String ? value.GetString() ?? string.Empty : value.GetRawText();
            var redacted = (sensitivity == Sensitivity.Secret ? _secret : _personal).Redact(text);
            writer.WriteStringValue(redacted.Length == 0 ? (sensitivity == Sensitivity.Secret ? "[redacted:secret]" : "[redacted:personal]") : redacted);
            return;
        }

        if (depth >= MaxValueDepth)
        {
            writer.WriteStringValue("[omitted:too deep]");
            return;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in value.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    var child = node?.Property(property.Name);
                    writer.WritePropertyName(property.Name);
                    WriteValue(writer, property.Value, child, Classify(property.Name, child, sensitivity), depth + 1);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in value.EnumerateArray())
                {
                    WriteValue(writer, item, node?.Items, Classify(null, node?.Items, sensitivity), depth + 1);
                }

                writer.WriteEndArray();
                break;
            default:
                value.WriteTo(writer);
                break;
        }
    }

    /// <summary>What the input schema says about one value: its own classification and its children's.</summary>
    private sealed class SchemaNode
    {
        private static readonly SchemaNode Empty = new();

        private Dictionary<string, SchemaNode>? _properties;

        public Sensitivity Own { get; private set; }

        public SchemaNode? Items { get; private set; }

        public SchemaNode? Additional { get; private set; }

        public static SchemaNode Build(JsonElement schema)
        {
            if (schema.ValueKind != JsonValueKind.Object)
            {
                return Empty;
            }

            var node = new SchemaNode();
            node.Fill(schema, schema, new Dictionary<string, SchemaNode>(StringComparer.Ordinal), 0);
            return node;
        }

        public SchemaNode? Property(string name)
            => _properties is not null && _properties.TryGetValue(name, out var node) ? node : Additional;

        private static Sensitivity Read(JsonElement schema)
        {
            if (schema.TryGetProperty(ClassificationKeyword, out var keyword) && keyword.ValueKind == JsonValueKind.String)
            {
                var value = keyword.GetString();
                if (string.Equals(value, "secret", StringComparison.OrdinalIgnoreCase))
                {
                    return Sensitivity.Secret;
                }

                if (string.Equals(value, "personal", StringComparison.OrdinalIgnoreCase) || string.Equals(value, "pii", StringComparison.OrdinalIgnoreCase))
                {
                    return Sensitivity.Personal;
                }

                if (string.Equals(value, "public", StringComparison.OrdinalIgnoreCase))
                {
                    return Sensitivity.Public;
                }

                // An unknown label is treated as the strictest one: a typo must not publish a secret.
                return Sensitivity.Secret;
            }

            return schema.TryGetProperty("format", out var format) && format.ValueKind == JsonValueKind.String
                && string.Equals(format.GetString(), "password", StringComparison.OrdinalIgnoreCase)
                ? Sensitivity.Secret
                : Sensitivity.Unclassified;
        }

        private static SchemaNode Child(JsonElement schema, JsonElement root, Dictionary<string, SchemaNode> refs, int depth)
        {
            if (schema.ValueKind != JsonValueKind.Object || depth >= MaxSchemaDepth)
            {
                return Empty;
            }

            if (schema.TryGetProperty("$ref", out var reference) && reference.ValueKind == JsonValueKind.String
                && reference.GetString() is { } path && Resolve(root, path) is { } target)
            {
                // Shared and circular references become one shared node, built once.
                if (refs.TryGetValue(path, out var known))
                {
                    return known;
                }

                var shared = new SchemaNode();
                refs[path] = shared;
                shared.Fill(target, root, refs, depth + 1);
                var own = Read(schema);
                if (own == Sensitivity.Unclassified)
                {
                    return shared;
                }

                var wrapper = new SchemaNode { Own = own };
                wrapper.Merge(shared);
                return wrapper;
            }

            var node = new SchemaNode();
            node.Fill(schema, root, refs, depth + 1);
            return node;
        }

        private static JsonElement? Resolve(JsonElement root, string path)
        {
            if (!path.StartsWith("#/", StringComparison.Ordinal))
            {
                return null;
            }

            var current = root;
            foreach (var raw in path[2..].Split('/'))
            {
                var segment = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
                if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(segment, out current))
                {
                    return null;
                }
            }

            return current;
        }

        private void Fill(JsonElement schema, JsonElement root, Dictionary<string, SchemaNode> refs, int depth)
        {
            var own = Read(schema);
            if (own > Own)
            {
                Own = own;
            }

            if (schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
            {
                _properties ??= new Dictionary<string, SchemaNode>(StringComparer.Ordinal);
                foreach (var property in properties.EnumerateObject())
                {
                    _properties.TryAdd(property.Name, Child(property.Value, root, refs, depth));
                }
            }

            if (schema.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Object)
            {
                Items ??= Child(items, root, refs, depth);
            }

            if (schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.Object)
            {
                Additional ??= Child(additional, root, refs, depth);
            }

            foreach (var combinator in (ReadOnlySpan<string>)["allOf", "anyOf", "oneOf"])
            {
                if (schema.TryGetProperty(combinator, out var list) && list.ValueKind == JsonValueKind.Array)
                {
                    foreach (var sub in list.EnumerateArray())
                    {
                        Merge(Child(sub, root, refs, depth));
                    }
                }
            }

            if (schema.TryGetProperty("$ref", out _) && depth == 0)
            {
                Merge(Child(schema, root, refs, depth));
            }
        }

        private void Merge(SchemaNode other)
        {
            if (ReferenceEquals(other, this) || ReferenceEquals(other, Empty))
            {
                return;
            }

            if (other.Own > Own)
            {
                Own = other.Own;
            }

            if (other._properties is not null)
            {
                _properties ??= new Dictionary<string, SchemaNode>(StringComparer.Ordinal);
                foreach (var (name, node) in other._properties)
                {
                    _properties.TryAdd(name, node);
                }
            }

            Items ??= other.Items;
            Additional ??= other.Additional;
        }
    }
}
