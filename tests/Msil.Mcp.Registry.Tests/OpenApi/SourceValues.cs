using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Msil.Mcp.Registry.Tests.OpenApi;

/// <summary>
/// The typed values (<c>const</c>, <c>enum</c>, <c>default</c>, examples) of a source document, read from its raw JSON,
/// and a check that every such value in an emitted schema is one of them with the same JSON type.
/// </summary>
internal sealed class SourceValues
{
    private static readonly string[] SchemaMaps = ["properties", "patternProperties", "$defs", "dependentSchemas"];

    private readonly Dictionary<string, HashSet<string>> _byFamily = new(StringComparer.Ordinal)
    {
        ["const"] = new(StringComparer.Ordinal),
        ["enum"] = new(StringComparer.Ordinal),
        ["default"] = new(StringComparer.Ordinal),
        ["examples"] = new(StringComparer.Ordinal),
    };

    /// <summary>Collects every value of those keywords anywhere in the document (over-inclusive on purpose).</summary>
    public static SourceValues Collect(JsonNode? root)
    {
        var values = new SourceValues();
        var pending = new Stack<JsonNode>();
        if (root is not null)
        {
            pending.Push(root);
        }

        while (pending.Count > 0)
        {
            var node = pending.Pop();
            if (node is JsonArray array)
            {
                foreach (var item in array.OfType<JsonNode>())
                {
                    pending.Push(item);
                }

                continue;
            }

            if (node is not JsonObject obj)
            {
                continue;
            }

            foreach (var (name, child) in obj)
            {
                switch (name)
                {
                    case "const":
                    case "default":
                        values._byFamily[name].Add(Canonical(child));
                        break;
                    case "enum" when child is JsonArray items:
                        values._byFamily["enum"].UnionWith(items.Select(Canonical));
                        break;
                    case "example":
                        values._byFamily["examples"].Add(Canonical(child));
                        break;
                    case "examples" when child is JsonArray items:
                        values._byFamily["examples"].UnionWith(items.Select(Canonical));
                        break;
                    case "examples" when child is JsonObject named:
                        foreach (var (_, example) in named)
                        {
                            if (example is JsonObject { } e && e.TryGetPropertyValue("value", out var value))
                            {
                                values._byFamily["examples"].Add(Canonical(value));
                            }
                        }

                        break;
                }

                if (child is JsonObject or JsonArray)
                {
                    pending.Push(child);
                }
            }
        }

        return values;
    }

    /// <summary>Checks every typed value of an emitted schema; adds a line per value not found with its type in the source.</summary>
    /// <returns>How many values were checked.</returns>
    public static int Check(JsonElement schema, SourceValues source, string tool, List<string> problems)
    {
        var count = 0;
        var pending = new Stack<(JsonElement Element, bool IsMap)>();
        pending.Push((schema, false));
        while (pending.Count > 0)
        {
            var (element, isMap) = pending.Pop();
            if (element.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in element.EnumerateArray())
                {
                    pending.Push((item, false));
                }

                continue;
            }

            if (element.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (var member in element.EnumerateObject())
            {
                if (isMap)
                {
                    pending.Push((member.Value, false));
                    continue;
                }

                switch (member.Name)
                {
                    case "const" or "default":
                        count++;
                        Expect(member.Name, member.Value);
                        continue;
                    case "enum" or "examples" when member.Value.ValueKind == JsonValueKind.Array:
                        foreach (var item in member.Value.EnumerateArray())
                        {
                            count++;
                            if (!(member.Name == "enum" && item.ValueKind == JsonValueKind.Null))
                            {
                                Expect(member.Name, item);
                            }
                        }

                        continue;
                    case "x-mcp-header" or "x-msil-classification":
                        continue;
                }

                pending.Push((member.Value, SchemaMaps.Contains(member.Name)));
            }
        }

        return count;

        void Expect(string family, JsonElement value)
        {
            var canonical = Canonical(JsonNode.Parse(value.GetRawText()));
            if (!source._byFamily[family].Contains(canonical))
            {
                problems.Add($"{tool}: {family} value {Shorten(value.GetRawText())} ({value.ValueKind}) is not a {family} value of the source document");
            }
        }
    }

    /// <summary>A text of the value that tells its JSON type and compares numbers by value.</summary>
    public static string Canonical(JsonNode? node)
    {
        var builder = new StringBuilder();
        Write(node, builder);
        return builder.ToString();
    }

    private static void Write(JsonNode? node, StringBuilder builder)
    {
        switch (node)
        {
            case null:
                builder.Append("null");
                break;
            case JsonObject obj:
                builder.Append('{');
                foreach (var (name, child) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    builder.Append(JsonSerializer.Serialize(name)).Append(':');
                    Write(child, builder);
                    builder.Append(',');
                }

                builder.Append('}');
                break;
            case JsonArray array:
                builder.Append('[');
                foreach (var child in array)
                {
                    Write(child, builder);
                    builder.Append(',');
                }

                builder.Append(']');
                break;
            case JsonValue when Microsoft.OpenApi.JsonNullSentinel.IsJsonNullSentinel(node):
                builder.Append("null");
                break;
            default:
                switch (node.GetValueKind())
                {
                    case JsonValueKind.Number:
                        var raw = node.ToJsonString();
                        builder.Append("n:").Append(decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                            ? (number / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture)
                            : raw);
                        break;
                    case JsonValueKind.String:
                        builder.Append("s:").Append(JsonSerializer.Serialize(node.GetValue<string>()));
                        break;
                    case JsonValueKind.True:
                        builder.Append("true");
                        break;
                    case JsonValueKind.False:
                        builder.Append("false");
                        break;
                    default:
                        builder.Append("null");
                        break;
                }

                break;
        }
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";
}
