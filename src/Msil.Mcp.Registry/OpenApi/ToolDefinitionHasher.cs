using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Registry.OpenApi;

/// <summary>Computes <see cref="ToolDefinition.ContentHash"/>: SHA-256 over a canonical JSON form of the definition.</summary>
/// <remarks>
/// The canonical form is one compact JSON object with the members in a fixed order (<c>name</c>, <c>title</c>,
/// <c>description</c>, <c>version</c>, <c>risk_level</c>, <c>input_schema</c>, <c>output_schema</c>, <c>http</c>,
/// <c>executor</c>, <c>examples</c>, <c>source</c>, <c>domain</c>, <c>idempotent</c>); absent values are <c>null</c>.
/// JSON values (schemas, examples) are written as they are held, so the same definition always hashes the same.
/// Members added later (the binding's <c>body_xml</c>, <c>response_xml</c> and <c>credentials</c>, and
/// <c>required_scopes</c> last) are written only when they hold something, so the hash of a definition without them is
/// what it was before they existed.
/// <see cref="ToolDefinition.ContentHash"/> itself is not part of the input.
/// </remarks>
internal static class ToolDefinitionHasher
{
    private static readonly JsonWriterOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
        MaxDepth = 4096,
    };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    /// <summary>Returns the lower-case hex SHA-256 of the canonical form of <paramref name="tool"/>, whatever JSON it holds.</summary>
    public static string Compute(ToolDefinition tool) => Compute(tool, compiledJson: false);

    /// <summary>Returns the lower-case hex SHA-256 of the canonical form of <paramref name="tool"/>.</summary>
    /// <param name="tool">The definition.</param>
    /// <param name="compiledJson">
    /// Whether the definition's JSON values (schemas, examples) were parsed from JSON written with the canonical form's
    /// settings (compact, <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/>), as the compiler writes them: their
    /// bytes are then copied as they are, which is what <see cref="JsonElement.WriteTo"/> would write, instead of being
    /// written again token by token. Leave it unset for definitions read from elsewhere (a store's JSON).
    /// </param>
    public static string Compute(ToolDefinition tool, bool compiledJson)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(64 * 1024);
        buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            Write(writer, tool, compiledJson);
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(buffer.WrittenSpan, hash);
        if (buffer.Capacity > 1024 * 1024)
        {
            t_buffer = null;
        }

        return Convert.ToHexStringLower(hash);
    }

    private static void Write(Utf8JsonWriter writer, ToolDefinition tool, bool compiledJson)
    {
        writer.WriteStartObject();
        writer.WriteString("name", tool.Name);
        WriteNullable(writer, "title", tool.Title);
        writer.WriteString("description", tool.Description);
        writer.WriteString("version", tool.Version);
        writer.WriteString("risk_level", tool.RiskLevel.ToWire());
        writer.WritePropertyName("input_schema");
        WriteElement(writer, tool.InputSchema, compiledJson);
        writer.WritePropertyName("output_schema");
        WriteElement(writer, tool.OutputSchema, compiledJson);
        writer.WritePropertyName("http");
        if (tool.Http is { } http)
        {
            writer.WriteStartObject();
            writer.WriteString("method", http.Method);
            writer.WriteString("path_template", http.PathTemplate);
            writer.WriteStartArray("parameters");
            foreach (var parameter in http.Parameters)
            {
                writer.WriteStartObject();
                writer.WriteString("argument", parameter.Argument);
                writer.WriteString("name", parameter.Name);
                writer.WriteString("location", parameter.Location.ToString());
                WriteNullable(writer, "style", parameter.Style);
                if (parameter.Explode is { } explode)
                {
                    writer.WriteBoolean("explode", explode);
                }
                else
                {
                    writer.WriteNull("explode");
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            WriteNullable(writer, "body_content_type", http.BodyContentType);
            WriteNullable(writer, "gateway", http.Gateway);
            WriteNullable(writer, "audience", http.Audience);
            if (http.BodyXml is { } bodyXml)
            {
                writer.WritePropertyName("body_xml");
                WriteXml(writer, bodyXml);
            }

            if (http.ResponseXml is { } responseXml)
            {
                writer.WritePropertyName("response_xml");
                WriteXml(writer, responseXml);
            }

            if (http.Credentials.Count > 0)
            {
                writer.WriteStartArray("credentials");
                foreach (var credential in http.Credentials)
                {
                    writer.WriteStartObject();
                    writer.WriteString("scheme", credential.Scheme);
                    writer.WriteString("kind", credential.Kind.ToString());
                    WriteNullable(writer, "name", credential.Name);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WriteString("executor", tool.Executor);
        writer.WriteStartArray("examples");
        foreach (var example in tool.Examples)
        {
            writer.WriteStartObject();
            writer.WritePropertyName("input");
            WriteElement(writer, example.Input, compiledJson);
            writer.WritePropertyName("output");
            WriteElement(writer, example.Output, compiledJson);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteString("source", tool.Source);
        WriteNullable(writer, "domain", tool.Domain);
        if (tool.Idempotent is { } idempotent)
        {
            writer.WriteBoolean("idempotent", idempotent);
        }
        else
        {
            writer.WriteNull("idempotent");
        }

        if (tool.RequiredScopes.Count > 0)
        {
            writer.WriteStartArray("required_scopes");
            foreach (var scope in tool.RequiredScopes)
            {
                writer.WriteStringValue(scope);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteXml(Utf8JsonWriter writer, XmlMapping xml)
    {
        writer.WriteStartObject();
        writer.WriteString("name", xml.Name);
        WriteNullable(writer, "property", xml.Property);
        WriteNullable(writer, "namespace", xml.Namespace);
        WriteNullable(writer, "prefix", xml.Prefix);
        writer.WriteBoolean("attribute", xml.Attribute);
        writer.WriteBoolean("wrapped", xml.Wrapped);
        WriteNullable(writer, "type", xml.Type);
        writer.WriteStartArray("properties");
        foreach (var property in xml.Properties)
        {
            WriteXml(writer, property);
        }

        writer.WriteEndArray();
        writer.WritePropertyName("items");
        if (xml.Items is { } items)
        {
            WriteXml(writer, items);
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteElement(Utf8JsonWriter writer, JsonElement? element, bool compiledJson)
    {
        if (element is { ValueKind: not JsonValueKind.Undefined } value)
        {
            if (compiledJson)
            {
                writer.WriteRawValue(JsonMarshal.GetRawUtf8Value(value), skipInputValidation: true);
            }
            else
            {
                value.WriteTo(writer);
            }
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
