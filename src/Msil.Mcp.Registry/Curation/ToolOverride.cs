using System.Buffers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Registry.Curation;

/// <summary>
/// An operator's curation of one tool, kept apart from its compiled definitions and applied after every compile:
/// enabled, risk level, name, title, description, hidden parameters and fixed parameter values.
/// Wire and storage form: <c>{"enabled", "risk_level", "name", "title", "description", "hidden_parameters", "fixed_parameters"}</c>.
/// </summary>
internal sealed partial record ToolOverride
{
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false };

    public bool? Enabled { get; init; }

    public RiskLevel? RiskLevel { get; init; }

    public string? Name { get; init; }

    public string? Title { get; init; }

    public string? Description { get; init; }

    public IReadOnlyList<string> HiddenParameters { get; init; } = [];

    public IReadOnlyDictionary<string, JsonElement> FixedParameters { get; init; } = new Dictionary<string, JsonElement>(StringComparer.Ordinal);

    /// <summary>Parses the wire form; every problem is named.</summary>
    public static (ToolOverride? Value, IReadOnlyList<string> Errors) Parse(JsonElement json)
    {
        var errors = new List<string>();
        if (json.ValueKind != JsonValueKind.Object)
        {
            return (null, ["the body must be a JSON object"]);
        }

        bool? enabled = null;
        RiskLevel? risk = null;
        string? name = null, title = null, description = null;
        var hidden = new List<string>();
        var fixedValues = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in json.EnumerateObject())
        {
            var v = property.Value;
            switch (property.Name)
            {
                case "enabled":
                    if (v.ValueKind is JsonValueKind.True or JsonValueKind.False)
                    {
                        enabled = v.GetBoolean();
                    }
                    else if (v.ValueKind != JsonValueKind.Null)
                    {
                        errors.Add("'enabled' must be true or false");
                    }

                    break;
                case "risk_level":
                    if (v.ValueKind == JsonValueKind.String && RiskLevels.TryParse(v.GetString(), out var parsed))
                    {
                        risk = parsed;
                    }
                    else if (v.ValueKind != JsonValueKind.Null)
                    {
                        errors.Add("'risk_level' must be read, write or privileged");
                    }

                    break;
                case "name":
                    name = Text(v, "name", 64, errors);
                    if (name is not null && !NamePattern().IsMatch(name))
                    {
                        errors.Add("'name' must match ^[A-Za-z0-9_-]{1,64}$");
                    }

                    break;
                case "title":
                    title = Text(v, "title", 256, errors);
                    break;
                case "description":
                    description = Text(v, "description", 8192, errors);
                    break;
                case "hidden_parameters":
                    if (v.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var item in v.EnumerateArray())
                        {
                            if (item.ValueKind == JsonValueKind.String && item.GetString() is { Length: > 0 } s)
                            {
                                hidden.Add(s);
                            }
                            else
                            {
                                errors.Add("'hidden_parameters' must be an array of argument names");
                                break;
                            }
                        }
                    }
                    else if (v.ValueKind != JsonValueKind.Null)
                    {
                        errors.Add("'hidden_parameters' must be an array of argument names");
                    }

                    break;
                case "fixed_parameters":
                    if (v.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var item in v.EnumerateObject())
                        {
                            fixedValues[item.Name] = item.Value.Clone();
                        }
                    }
                    else if (v.ValueKind != JsonValueKind.Null)
                    {
                        errors.Add("'fixed_parameters' must be an object of argument name → value");
                    }

                    break;
                default:
                    errors.Add($"unknown field '{property.Name}' (enabled, risk_level, name, title, description, hidden_parameters, fixed_parameters)");
                    break;
            }
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        return (new ToolOverride
        {
            Enabled = enabled,
            RiskLevel = risk,
            Name = name,
            Title = title,
            Description = description,
            HiddenParameters = [.. hidden.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            FixedParameters = fixedValues,
        }, []);
    }

    /// <summary>Returns the canonical wire form (fixed member order, sorted names).</summary>
    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            WriteTo(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        if (Enabled is { } e)
        {
            writer.WriteBoolean("enabled", e);
        }

        if (RiskLevel is { } r)
        {
            writer.WriteString("risk_level", r.ToWire());
        }

        WriteText(writer, "name", Name);
        WriteText(writer, "title", Title);
        WriteText(writer, "description", Description);
        writer.WriteStartArray("hidden_parameters");
        foreach (var h in HiddenParameters)
        {
            writer.WriteStringValue(h);
        }

        writer.WriteEndArray();
        writer.WriteStartObject("fixed_parameters");
        foreach (var (key, value) in FixedParameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            writer.WritePropertyName(key);
            value.WriteTo(writer);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteText(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static string? Text(JsonElement v, string field, int max, List<string> errors)
    {
        if (v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(v.GetString()))
        {
            errors.Add($"'{field}' must be a non-empty string");
            return null;
        }

        var s = v.GetString()!;
        if (s.Length > max)
        {
            errors.Add($"'{field}' is {s.Length} characters; at most {max}");
            return null;
        }

        return s;
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
