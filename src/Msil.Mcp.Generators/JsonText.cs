using System.Globalization;
using System.Text;

namespace Msil.Mcp.Generators;

/// <summary>Writes JSON and C# literals by hand (netstandard2.0 has no System.Text.Json).</summary>
internal static class JsonText
{
    /// <summary>A JSON string literal.</summary>
    public static string Quote(string value) => Escape(value);

    /// <summary>A C# string literal (not verbatim), or <c>null</c>.</summary>
    public static string CSharp(string? value) => value is null ? "null" : Escape(value);

    /// <summary>
    /// Quotes <paramref name="value"/> with escapes that JSON and C# read alike: control characters and the
    /// characters C# takes as line breaks inside a literal (U+0085, U+2028, U+2029) become <c>\uXXXX</c>.
    /// </summary>
    private static string Escape(string value)
    {
        var sb = new StringBuilder(value.Length + 2);
        sb.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    sb.Append("\\\"");
                    break;
                case '\\':
                    sb.Append("\\\\");
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                case '\r':
                    sb.Append("\\r");
                    break;
                case '\t':
                    sb.Append("\\t");
                    break;
                default:
                    if (c < 0x20 || c is '\u0085' or '\u2028' or '\u2029')
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append('"').ToString();
    }

    public static string Number(object? value) => value switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        decimal m => m.ToString(CultureInfo.InvariantCulture),
        System.IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => "0",
    };
}
