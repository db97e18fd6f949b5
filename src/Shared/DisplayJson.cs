using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Msil.Mcp.Display;

/// <summary>
/// JSON as the consoles show it to a person: indented, with characters written as themselves instead of the
/// serializer's default <c>\uXXXX</c> escapes (a backend's <c>"ZXi\u002B"</c> reads <c>"ZXi+"</c>, <c>"\u00E9"</c>
/// reads <c>"é"</c>). The text only ever goes into HTML through Razor's encoding, so the HTML-sensitive characters the
/// default encoder escapes need no escaping here. What a person could not see or could be misled by stays escaped:
/// control characters, line and paragraph separators, lone surrogates and every format character (bidirectional
/// overrides and isolates, zero-width characters, tag characters), which are written as <c>\uXXXX</c> so a value cannot
/// reorder or hide what is shown around it. Numbers are written exactly as sent. Linked into both consoles (the admin console and the chat host).
/// </summary>
internal static class DisplayJson
{
    /// <summary>The longest text <see cref="FormatText"/> tries to read as JSON; anything longer is shown as it is.</summary>
    public const int MaxParseChars = 1_000_000;

    private static readonly JsonDocumentOptions ReadOptions = new() { MaxDepth = 128 };

    /// <summary>Returns <paramref name="value"/> as indented, readable JSON (two spaces, as the serializer indents).</summary>
    public static string Format(JsonElement value)
    {
        var sb = new StringBuilder(256);
        try
        {
            Write(sb, value, 0);
        }
        catch (InvalidOperationException)
        {
            return value.GetRawText(); // a property name with an escaped lone surrogate: show the document as sent
        }

        return sb.ToString();
    }

    /// <summary>
    /// Returns <paramref name="text"/> as indented, readable JSON when it is one JSON object or array (a tool's result
    /// text usually is); any other text (plain words, a cut-off or malformed document, a bare scalar) as it is.
    /// </summary>
    public static string FormatText(string text)
    {
        var trimmed = text.AsSpan().Trim();
        if (trimmed.IsEmpty || trimmed.Length > MaxParseChars || (trimmed[0] != '{' && trimmed[0] != '['))
        {
            return text;
        }

        try
        {
            using var document = JsonDocument.Parse(text, ReadOptions);
            return Format(document.RootElement);
        }
        catch (JsonException)
        {
            return text;
        }
    }

    private static void Write(StringBuilder sb, JsonElement value, int depth)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                var firstProperty = true;
                foreach (var property in value.EnumerateObject())
                {
                    sb.Append(firstProperty ? "{\n" : ",\n").Append(' ', 2 * (depth + 1));
                    firstProperty = false;
                    Quote(sb, property.Name);
                    sb.Append(": ");
                    Write(sb, property.Value, depth + 1);
                }

                sb.Append(firstProperty ? "{" : "\n" + new string(' ', 2 * depth)).Append('}');
                break;
            case JsonValueKind.Array:
                var firstItem = true;
                foreach (var item in value.EnumerateArray())
                {
                    sb.Append(firstItem ? "[\n" : ",\n").Append(' ', 2 * (depth + 1));
                    firstItem = false;
                    Write(sb, item, depth + 1);
                }

                sb.Append(firstItem ? "[" : "\n" + new string(' ', 2 * depth)).Append(']');
                break;
            case JsonValueKind.String:
                string? text;
                try
                {
                    text = value.GetString();
                }
                catch (InvalidOperationException)
                {
                    text = null; // an escaped lone surrogate: no string holds it, so show it as sent
                }

                if (text is null)
                {
                    sb.Append(value.GetRawText());
                }
                else
                {
                    Quote(sb, text);
                }

                break;
            default:
                sb.Append(value.GetRawText()); // numbers exactly as sent; true, false, null
                break;
        }
    }

    /// <summary>Writes <paramref name="text"/> as a JSON string, escaping only what JSON requires and what a reader could not see.</summary>
    private static void Quote(StringBuilder sb, string text)
    {
        sb.Append('"');
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '"': sb.Append("\\\""); continue;
                case '\\': sb.Append("\\\\"); continue;
                case '\n': sb.Append("\\n"); continue;
                case '\r': sb.Append("\\r"); continue;
                case '\t': sb.Append("\\t"); continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                if (CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(c, text[i + 1])) == UnicodeCategory.Format)
                {
                    Escape(sb, c);
                    Escape(sb, text[i + 1]);
                }
                else
                {
                    sb.Append(c).Append(text[i + 1]); // an emoji or another character beyond U+FFFF, as itself
                }

                i++;
                continue;
            }

            if (char.IsControl(c) || char.IsSurrogate(c) || c is '\u2028' or '\u2029' || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format)
            {
                Escape(sb, c);
            }
            else
            {
                sb.Append(c);
            }
        }

        sb.Append('"');
    }

    private static void Escape(StringBuilder sb, char c) => sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
}
