using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;

namespace Msil.Mcp.Elevation;

/// <summary>
/// The hash a single-use grant is bound to: the lower-case hex SHA-256 of the call's arguments written as canonical
/// JSON (an object; keys sorted ordinally at every level; no whitespace; strings escaped as
/// <see cref="Utf8JsonWriter"/> does by default; numbers as sent). It equals <c>AuditRecord.ArgumentsHash</c> of the
/// <c>tool.call</c> record, so an approval system can bind a grant to what it saw in the audit trail or in the
/// elevation URL's <c>{arguments_hash}</c>.
/// </summary>
internal static class ElevationArguments
{
    private const int MaxDepth = 128;

    public static string Hash(IReadOnlyDictionary<string, JsonElement>? arguments)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            writer.WriteStartObject();
            if (arguments is { Count: > 0 })
            {
                var keys = new string[arguments.Count];
                var i = 0;
                foreach (var key in arguments.Keys)
                {
                    keys[i++] = key;
                }

                Array.Sort(keys, StringComparer.Ordinal);
                foreach (var key in keys)
                {
                    writer.WritePropertyName(key);
                    Write(writer, arguments[key], 0);
                }
            }

            writer.WriteEndObject();
        }

        return Convert.ToHexStringLower(SHA256.HashData(buffer.WrittenSpan));
    }

    /// <summary>Returns whether <paramref name="value"/> looks like a hash this class makes (64 hex digits, any case).</summary>
    public static bool IsWellFormed(string value)
    {
        if (value.Length != 64)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static void Write(Utf8JsonWriter writer, JsonElement element, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new JsonException($"The arguments are nested more than {MaxDepth} levels deep.");
        }

        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var names = new List<string>();
                foreach (var property in element.EnumerateObject())
                {
                    names.Add(property.Name);
                }

                names.Sort(StringComparer.Ordinal);
                writer.WriteStartObject();
                foreach (var name in names)
                {
                    writer.WritePropertyName(name);
                    Write(writer, element.GetProperty(name), depth + 1);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item, depth + 1);
                }

                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
