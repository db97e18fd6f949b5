namespace Msil.Mcp.Diagnostics;

/// <summary>
/// What an audit record, a span, a log line or an error message may take from a request: a caller-chosen string (a
/// tool name that may not be in the catalog, a task id, an origin, an input-response key) is cut at
/// <see cref="MaxLength"/> characters with a marker that gives its full length, and loses its control and
/// bidirectional-formatting characters. A short, clean value is returned as it is (no allocation). Metric labels never
/// take caller input at all: see <see cref="UnknownTool"/>. Linked into every package that records caller text (the
/// core, the registry's and the elevation's admin APIs), so there is one rule for all of them.
/// </summary>
internal static class CallerText
{
    /// <summary>The most characters kept from a caller-chosen string.</summary>
    public const int MaxLength = 128;

    /// <summary>The <c>mcp.tool.name</c> metric label of a call whose name is not a catalog tool.</summary>
    public const string UnknownTool = "_unknown";

    /// <summary>Returns <paramref name="value"/> bounded and cleaned; <see cref="string.Empty"/> for <see langword="null"/>.</summary>
    public static string Bound(string? value, int maxLength = MaxLength)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        if (value.Length <= maxLength && !HasUnsafe(value))
        {
            return value;
        }

        var kept = new System.Text.StringBuilder(Math.Min(value.Length, maxLength) + 24);
        var i = 0;
        for (; i < value.Length && kept.Length < maxLength; i++)
        {
            var c = value[i];
            if (IsUnsafe(c))
            {
                continue;
            }

            if (char.IsHighSurrogate(c) && (kept.Length + 1 >= maxLength || i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1])))
            {
                continue; // never keep half a pair
            }

            if (char.IsLowSurrogate(c) && (kept.Length == 0 || !char.IsHighSurrogate(kept[^1])))
            {
                continue;
            }

            kept.Append(c);
        }

        if (i < value.Length)
        {
            kept.Append("…[").Append(value.Length).Append(" chars]");
        }

        return kept.ToString();
    }

    private static bool HasUnsafe(string value)
    {
        foreach (var c in value)
        {
            if (IsUnsafe(c) || char.IsSurrogate(c))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Control characters (C0, DEL, C1), line and paragraph separators, and bidirectional overrides and isolates.</summary>
    private static bool IsUnsafe(char c) => char.IsControl(c) || c is '\u2028' or '\u2029' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069') or '\u200E' or '\u200F';
}
