using System.Globalization;
using System.Text.Json;

namespace Msil.Mcp.Chat.Forms;

/// <summary>How a field of the manual-mode form is edited.</summary>
internal enum SchemaFieldKind
{
    String,
    Number,
    Integer,
    Boolean,
    Enum,
    Array,
    Json,
}

/// <summary>One argument of a tool as a form field; <see cref="Value"/> holds what the user typed.</summary>
internal sealed class SchemaField
{
    public required string Name { get; init; }

    public required SchemaFieldKind Kind { get; init; }

    public bool Required { get; init; }

    public string? Description { get; init; }

    /// <summary>For <see cref="SchemaFieldKind.Enum"/>: each allowed value as JSON text.</summary>
    public IReadOnlyList<string> EnumValues { get; init; } = [];

    /// <summary>For <see cref="SchemaFieldKind.Array"/>: the kind of each item (a scalar kind).</summary>
    public SchemaFieldKind ItemKind { get; init; } = SchemaFieldKind.String;

    public string Value { get; set; } = string.Empty;

    /// <summary>Gets the label's hint on what to type.</summary>
    public string Hint => Kind switch
    {
        SchemaFieldKind.Integer => "integer",
        SchemaFieldKind.Number => "number",
        SchemaFieldKind.Array => "one " + ItemKind.ToString().ToLowerInvariant() + " per line",
        SchemaFieldKind.Json => "JSON",
        _ => string.Empty,
    };
}

/// <summary>Turns a tool's input schema into form fields, and the filled-in fields back into JSON arguments.</summary>
internal static class SchemaFormModel
{
    public static List<SchemaField> Fields(JsonElement schema)
    {
        var fields = new List<SchemaField>();
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            return fields;
        }

        var required = schema.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToHashSet(StringComparer.Ordinal)
            : [];
        foreach (var property in properties.EnumerateObject())
        {
            var definition = Resolve(schema, property.Value);
            var kind = KindOf(definition);
            var itemKind = SchemaFieldKind.String;
            if (kind == SchemaFieldKind.Array)
            {
                itemKind = definition.TryGetProperty("items", out var items) ? KindOf(Resolve(schema, items)) : SchemaFieldKind.Json;
                if (itemKind is SchemaFieldKind.Array or SchemaFieldKind.Json or SchemaFieldKind.Enum)
                {
                    // Arrays of objects (or of arrays) are typed as JSON; enums in arrays are typed as their text.
                    kind = itemKind == SchemaFieldKind.Enum ? SchemaFieldKind.Array : SchemaFieldKind.Json;
                    itemKind = itemKind == SchemaFieldKind.Enum ? SchemaFieldKind.String : itemKind;
                }
            }

            fields.Add(new SchemaField
            {
                Name = property.Name,
                Kind = kind,
                ItemKind = itemKind,
                Required = required.Contains(property.Name),
                Description = definition.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null,
                EnumValues = kind == SchemaFieldKind.Enum ? [.. definition.GetProperty("enum").EnumerateArray().Select(e => e.GetRawText())] : [],
            });
        }

        return fields;
    }

    public static (Dictionary<string, JsonElement> Arguments, List<string> Errors) Build(IEnumerable<SchemaField> fields)
    {
        var arguments = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var errors = new List<string>();
        foreach (var field in fields)
        {
            var text = field.Value.Trim();
            if (text.Length == 0)
            {
                if (field.Required)
                {
                    errors.Add($"'{field.Name}' is required.");
                }

                continue;
            }

            if (field.Kind == SchemaFieldKind.Array)
            {
                var items = new List<JsonElement>();
                foreach (var line in text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    if (Scalar(field.ItemKind, line, out var item))
                    {
                        items.Add(item);
                    }
                    else
                    {
                        errors.Add($"'{field.Name}': '{Bound(line)}' is not a valid {field.ItemKind.ToString().ToLowerInvariant()}.");
                    }
                }

                arguments[field.Name] = JsonSerializer.SerializeToElement(items);
            }
            else if (Scalar(field.Kind, text, out var value))
            {
                arguments[field.Name] = value;
            }
            else
            {
                errors.Add(field.Kind == SchemaFieldKind.Json
                    ? $"'{field.Name}' must be valid JSON, for example {{\"key\": \"value\"}}."
                    : $"'{field.Name}': '{Bound(text)}' is not a valid {field.Kind.ToString().ToLowerInvariant()}.");
            }
        }

        return (arguments, errors);
    }

    private static bool Scalar(SchemaFieldKind kind, string text, out JsonElement value)
    {
        value = default;
        switch (kind)
        {
            case SchemaFieldKind.String:
                value = JsonSerializer.SerializeToElement(text);
                return true;
            case SchemaFieldKind.Integer when long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l):
                value = JsonSerializer.SerializeToElement(l);
                return true;
            case SchemaFieldKind.Number when decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n):
                value = JsonSerializer.SerializeToElement(n);
                return true;
            case SchemaFieldKind.Boolean when bool.TryParse(text, out var b):
                value = JsonSerializer.SerializeToElement(b);
                return true;
            case SchemaFieldKind.Enum or SchemaFieldKind.Json:
                try
                {
                    using var document = JsonDocument.Parse(text);
                    value = document.RootElement.Clone();
                    return true;
                }
                catch (JsonException)
                {
                    return false;
                }

            default:
                return false;
        }
    }

    private static SchemaFieldKind KindOf(JsonElement definition)
    {
        if (definition.ValueKind != JsonValueKind.Object)
        {
            return SchemaFieldKind.Json;
        }

        if (definition.TryGetProperty("enum", out var e) && e.ValueKind == JsonValueKind.Array && e.GetArrayLength() > 0)
        {
            return SchemaFieldKind.Enum;
        }

        var type = definition.TryGetProperty("type", out var t) ? t : default;
        var name = type.ValueKind switch
        {
            JsonValueKind.String => type.GetString(),
            JsonValueKind.Array => type.EnumerateArray().Select(x => x.GetString()).FirstOrDefault(x => x is not null and not "null"),
            _ => null,
        };
        return name switch
        {
            "string" => SchemaFieldKind.String,
            "number" => SchemaFieldKind.Number,
            "integer" => SchemaFieldKind.Integer,
            "boolean" => SchemaFieldKind.Boolean,
            "array" => SchemaFieldKind.Array,
            _ => SchemaFieldKind.Json,
        };
    }

    /// <summary>Follows a local <c>$ref</c> (<c>#/$defs/…</c> or <c>#/definitions/…</c>) once, as the server's compact schemas use them.</summary>
    private static JsonElement Resolve(JsonElement root, JsonElement definition)
    {
        if (definition.ValueKind == JsonValueKind.Object && definition.TryGetProperty("$ref", out var reference) && reference.GetString() is { } path && path.StartsWith("#/", StringComparison.Ordinal))
        {
            var current = root;
            foreach (var segment in path[2..].Split('/'))
            {
                if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal), out current))
                {
                    return definition;
                }
            }

            return current;
        }

        return definition;
    }

    private static string Bound(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
