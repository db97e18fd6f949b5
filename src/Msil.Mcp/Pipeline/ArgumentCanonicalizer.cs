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
    // One writer and buffer per thread: the canonical form is copied out before the method returns, and nothing in
    // it calls back into the canonicalizer. A buffer grown past RetainedBufferBytes by a large call is not kept.
    private const int RetainedBufferBytes = 16 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    [ThreadStatic]
    private static IncrementalHash? t_sha256;

    public static byte[] ToCanonicalJson(IDictionary<string, JsonElement>? arguments)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        writer.Reset(buffer);
        try
        {
            writer.WriteStartObject();
            if (arguments is { Count: > 0 })
            {
                var keys = new string[arguments.Count];
                arguments.Keys.CopyTo(keys, 0);
                if (keys.Length > 1)
                {
                    Array.Sort(keys, StringComparer.Ordinal);
                }

                foreach (var key in keys)
                {
                    writer.WritePropertyName(key);
                    WriteCanonical(writer, arguments[key], depth: 0);
                }
            }

            writer.WriteEndObject();
            writer.Flush();
            return buffer.WrittenSpan.ToArray();
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

    public static string Hash(ReadOnlySpan<byte> canonicalJson)
    {
        // A hash context per thread, reset after each use: the one-shot SHA256.HashData sets one up and frees it per
        // call, which for a few dozen bytes of arguments is nearly all of its cost (issue #18).
        var sha256 = t_sha256 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        sha256.AppendData(canonicalJson);
        sha256.GetHashAndReset(hash);
        return Convert.ToHexStringLower(hash);
    }

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
