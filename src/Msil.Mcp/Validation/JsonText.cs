using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Msil.Mcp.Validation;

/// <summary>Allocation-free readers over the raw UTF-8 of <see cref="JsonElement"/> values.</summary>
internal static class JsonText
{
    /// <summary>Strings up to this many UTF-8 bytes are decoded on the stack.</summary>
    internal const int StackBufferChars = 256;

    private static readonly SearchValues<byte> s_fractionOrExponent = SearchValues.Create(".eE"u8);

    /// <summary>Gets the content of a JSON string without its quotes, still escaped when <paramref name="escaped"/>.</summary>
    internal static ReadOnlySpan<byte> GetStringUtf8(JsonElement value, out bool escaped)
    {
        ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8Value(value);
        ReadOnlySpan<byte> content = raw[1..^1];
        escaped = content.Contains((byte)'\\');
        return content;
    }

    /// <summary>
    /// Decodes a JSON string's content into <paramref name="buffer"/>, which must hold at least
    /// <paramref name="utf8"/>.Length characters; returns the number of characters written.
    /// </summary>
    internal static int DecodeString(JsonElement value, ReadOnlySpan<byte> utf8, bool escaped, Span<char> buffer)
    {
        if (!escaped)
        {
            return Encoding.UTF8.GetChars(utf8, buffer);
        }

        var reader = new Utf8JsonReader(JsonMarshal.GetRawUtf8Value(value));
        reader.Read();
        return reader.CopyString(buffer);
    }

    /// <summary>Counts the Unicode code points (runes) of unescaped, well-formed UTF-8.</summary>
    internal static int CountRunes(ReadOnlySpan<byte> utf8)
    {
        if (Ascii.IsValid(utf8))
        {
            return utf8.Length;
        }

        int count = 0;
        foreach (byte b in utf8)
        {
            // Every code point has exactly one byte that is not a continuation byte (10xxxxxx).
            if ((b & 0xC0) != 0x80)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Counts the Unicode code points of UTF-16 text; a surrogate pair counts once.</summary>
    internal static int CountRunes(ReadOnlySpan<char> text)
    {
        int count = text.Length;
        for (int i = 0; i + 1 < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && char.IsLowSurrogate(text[i + 1]))
            {
                count--;
                i++;
            }
        }

        return count;
    }

    /// <summary>Tells whether a JSON number has no fractional part (so <c>1.0</c> and <c>1e2</c> are integers).</summary>
    internal static bool IsInteger(JsonElement number)
    {
        ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8Value(number);
        return !raw.ContainsAny(s_fractionOrExponent) || IsIntegerSlow(raw);
    }

    /// <summary>Tells whether every digit of a JSON number is zero.</summary>
    internal static bool IsZero(JsonElement number)
    {
        foreach (byte b in JsonMarshal.GetRawUtf8Value(number))
        {
            if (b is (byte)'e' or (byte)'E')
            {
                break;
            }

            if (b is >= (byte)'1' and <= (byte)'9')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Reads a JSON number as a double; out-of-range values become infinities.</summary>
    internal static double ReadDouble(JsonElement number)
    {
        if (number.TryGetDouble(out double value))
        {
            return value;
        }

        return JsonMarshal.GetRawUtf8Value(number)[0] == (byte)'-' ? double.NegativeInfinity : double.PositiveInfinity;
    }

    /// <summary>Reads a JSON number as an exact decimal when it has one, guarding against underflow to zero.</summary>
    internal static bool TryReadDecimal(JsonElement number, out decimal value) =>
        number.TryGetDecimal(out value) && (value != 0m || IsZero(number));

    /// <summary>Describes an instance's JSON type for messages, such as <c>a string</c> or <c>an integer</c>.</summary>
    internal static string Describe(JsonElement value, JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => IsInteger(value) ? "an integer" : "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "missing",
    };

    /// <summary>Shows a schema value in a message: strings bare, anything else as (shortened) JSON.</summary>
    internal static string Show(JsonElement value, bool quoteStrings)
    {
        string text = value.ValueKind switch
        {
            JsonValueKind.String when !quoteStrings => value.GetString()!,
            JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.String => Compact(value),
            _ => value.GetRawText(),
        };

        return text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 77), "...");
    }

    private static string Compact(JsonElement value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            value.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static bool IsIntegerSlow(ReadOnlySpan<byte> raw)
    {
        // value = digits * 10^-scale; it is an integer when the trailing zeros of the digits cover the scale.
        int i = raw[0] == (byte)'-' ? 1 : 0;
        int trailingZeros = 0;
        bool anyNonZero = false;
        long scale = 0;
        bool fraction = false;
        for (; i < raw.Length; i++)
        {
            byte b = raw[i];
            if (b == (byte)'.')
            {
                fraction = true;
                continue;
            }

            if (b is (byte)'e' or (byte)'E')
            {
                break;
            }

            if (fraction)
            {
                scale++;
            }

            if (b == (byte)'0')
            {
                trailingZeros++;
            }
            else
            {
                trailingZeros = 0;
                anyNonZero = true;
            }
        }

        if (!anyNonZero)
        {
            return true;
        }

        if (i < raw.Length)
        {
            i++;
            bool negative = false;
            if (raw[i] is (byte)'+' or (byte)'-')
            {
                negative = raw[i] == (byte)'-';
                i++;
            }

            long exponent = 0;
            for (; i < raw.Length && exponent < 1_000_000_000; i++)
            {
                exponent = (exponent * 10) + (raw[i] - '0');
            }

            scale += negative ? exponent : -exponent;
        }

        return scale <= trailingZeros;
    }
}
