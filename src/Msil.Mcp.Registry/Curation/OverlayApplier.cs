using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.Store;

namespace Msil.Mcp.Registry.Curation;

/// <summary>
/// Turns a stored tool (compiled definition at its current version plus its override) into the definition the catalog
/// serves. A hidden or fixed parameter leaves the input schema (properties, <c>required</c> and the examples); a hidden
/// one without a fixed value also leaves the HTTP binding, so nothing the caller sends reaches the backend under its name;
/// a fixed one keeps its binding and its value is bound at execution through <see cref="ToolDefinition.FixedArguments"/>.
/// </summary>
internal static class OverlayApplier
{
    /// <summary>Returns the served definition, or <see langword="null"/> when the override disables the tool.</summary>
    public static ToolDefinition? Apply(StoredTool tool)
    {
        // The stored name is the tool's stable identity: an override may rename the tool, never change what its policy rules are keyed by.
        var compiled = tool.Definition with { Version = VersionText(tool.CurrentVersion), Id = tool.Definition.Id ?? tool.Name };
        if (tool.Override is not { } o)
        {
            return compiled;
        }

        if (o.Enabled == false)
        {
            return null;
        }

        var removed = new HashSet<string>(o.HiddenParameters, StringComparer.Ordinal);
        removed.UnionWith(o.FixedParameters.Keys);
        var result = compiled with
        {
            Name = o.Name ?? compiled.Name,
            Title = o.Title ?? compiled.Title,
            Description = o.Description ?? compiled.Description,
            RiskLevel = o.RiskLevel ?? compiled.RiskLevel,
            FixedArguments = o.FixedParameters.Count == 0 ? compiled.FixedArguments : new Dictionary<string, JsonElement>(o.FixedParameters, StringComparer.Ordinal),
        };
        if (removed.Count > 0)
        {
            result = result with
            {
                InputSchema = RemoveProperties(compiled.InputSchema, removed),
                Examples = [.. compiled.Examples.Select(e => e with { Input = RemoveKeys(e.Input, removed) })],
                Http = compiled.Http is { } http
                    ? http with { Parameters = [.. http.Parameters.Where(p => !o.HiddenParameters.Contains(p.Argument, StringComparer.Ordinal) || o.FixedParameters.ContainsKey(p.Argument))] }
                    : null,
            };
        }

        return result with { ContentHash = EffectiveHash(compiled.ContentHash, o) };
    }

    /// <summary>The version text of a stored version number (<c>3</c> → <c>3.0.0</c>).</summary>
    public static string VersionText(int version) => version.ToString(CultureInfo.InvariantCulture) + ".0.0";

    /// <summary>Lists what in <paramref name="value"/> does not fit <paramref name="definition"/>.</summary>
    public static IReadOnlyList<string> Check(ToolOverride value, ToolDefinition definition)
    {
        var errors = new List<string>();
        var (properties, required) = Properties(definition.InputSchema);
        foreach (var name in value.HiddenParameters.Concat(value.FixedParameters.Keys).Distinct(StringComparer.Ordinal))
        {
            if (!properties.Contains(name))
            {
                errors.Add($"'{name}' is not an argument of tool '{definition.Name}' (arguments: {string.Join(", ", properties.Order(StringComparer.Ordinal))})");
            }
        }

        foreach (var name in value.HiddenParameters)
        {
            if (required.Contains(name) && !value.FixedParameters.ContainsKey(name))
            {
                errors.Add($"'{name}' is required: hide it only together with a fixed value in 'fixed_parameters'");
            }
        }

        return errors;
    }

    private static string EffectiveHash(string compiledHash, ToolOverride o)
    {
        var text = compiledHash + "\n" + o.ToJson();
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    private static (HashSet<string> Properties, HashSet<string> Required) Properties(JsonElement schema)
    {
        var properties = new HashSet<string>(StringComparer.Ordinal);
        var required = new HashSet<string>(StringComparer.Ordinal);
        if (schema.ValueKind == JsonValueKind.Object)
        {
            if (schema.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in p.EnumerateObject())
                {
                    properties.Add(property.Name);
                }
            }

            if (schema.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in r.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String)
                    {
                        required.Add(item.GetString()!);
                    }
                }
            }
        }

        return (properties, required);
    }

    private static JsonElement RemoveProperties(JsonElement schema, HashSet<string> names)
    {
        if (JsonNode.Parse(schema.GetRawText()) is not JsonObject root)
        {
            return schema;
        }

        if (root["properties"] is JsonObject properties)
        {
            foreach (var name in names)
            {
                properties.Remove(name);
            }
        }

        if (root["required"] is JsonArray required)
        {
            for (var i = required.Count - 1; i >= 0; i--)
            {
                if (required[i] is JsonValue v && v.TryGetValue<string>(out var s) && names.Contains(s))
                {
                    required.RemoveAt(i);
                }
            }

            if (required.Count == 0)
            {
                root.Remove("required");
            }
        }

        return JsonSerializer.SerializeToElement(root, RegistryJsonContext.Default.JsonObject);
    }

    private static JsonElement RemoveKeys(JsonElement input, HashSet<string> names)
    {
        if (input.ValueKind != JsonValueKind.Object || !input.EnumerateObject().Any(p => names.Contains(p.Name)))
        {
            return input;
        }

        var node = (JsonObject)JsonNode.Parse(input.GetRawText())!;
        foreach (var name in names)
        {
            node.Remove(name);
        }

        return JsonSerializer.SerializeToElement(node, RegistryJsonContext.Default.JsonObject);
    }
}
