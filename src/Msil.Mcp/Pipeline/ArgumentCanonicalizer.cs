using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;

namespace Msil.Mcp.Pipeline;

/// <summary>
/// Writes tool arguments as canonical JSON (object keys sorted ordinally at every level, no whitespace), so that the
/// same arguments always hash the same for audit and single-use elevation grants.
/// </summary>
internal static class ArgumentCanonicalizer
{
    public static byte[] ToCanonicalJson(IDictionary<string, JsonElement>? arguments)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            writer.WriteStartObject();
            if (arguments is { Count: > 0 })
            {
                var keys = new string[arguments.Count];
                arguments.Keys.CopyTo(keys, 0);
                Array.Sort(keys, StringComparer.Ordinal);
                foreach (var key in keys)
                {
                    writer.WritePropertyName(key);
                    WriteCanonical(writer, arguments[key], depth: 0);
                }
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static string Hash(ReadOnlySpan<byte> canonicalJson) => Convert.ToHexStringLower(SHA256.HashData(canonicalJson));

    private static void WriteCanonical(Utf8JsonWriter writer, JsonElement element, int depth)
    {
        if (depth > 128)
        {
            throw new JsonException("The arguments are nested more than 128 levels deep.");
        }

        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var names = new List<string>();
                foreach (var p in element.EnumerateObject())
                {
                    names.Add(p.Name);
                }

                names.Sort(StringComparer.Ordinal);
                writer.WriteStartObject();
                foreach (var name in names)
                {
                    writer.WritePropertyName(name);
                    WriteCanonical(writer, element.GetProperty(name), depth + 1);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteCanonical(writer, item, depth + 1);
                }

                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
