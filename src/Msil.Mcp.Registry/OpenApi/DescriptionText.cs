using System.Text;

namespace Msil.Mcp.Registry.OpenApi;

/// <summary>Normalizes summaries and descriptions for tool metadata.</summary>
internal static class DescriptionText
{
    /// <summary>Trims the text, collapses runs of spaces and tabs to one space and runs of blank lines to one blank line.</summary>
    /// <returns>The normalized text, or <see langword="null"/> when nothing is left.</returns>
    public static string? Normalize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var builder = new StringBuilder(text.Length);
        var pendingSpace = false;
        var newlines = 0;
        foreach (var c in text)
        {
            if (c is '\n' or '\r' or '\u2028' or '\u2029')
            {
                if (c != '\r')
                {
                    newlines++;
                }

                pendingSpace = false;
            }
            else if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                pendingSpace = true;
            }
            else
            {
                if (builder.Length > 0)
                {
                    if (newlines > 0)
                    {
                        builder.Append(newlines > 1 ? "\n\n" : "\n");
                    }
                    else if (pendingSpace)
                    {
                        builder.Append(' ');
                    }
                }

                builder.Append(c);
                newlines = 0;
                pendingSpace = false;
            }
        }

        return builder.Length == 0 ? null : builder.ToString();
    }

    /// <summary>Returns the text on one line (line breaks become spaces).</summary>
    public static string? SingleLine(string? text)
    {
        var normalized = Normalize(text);
        return normalized?.Replace("\n\n", " ", StringComparison.Ordinal).Replace('\n', ' ');
    }

    /// <summary>Joins the summary and the description with a blank line, skipping the summary when the description repeats it.</summary>
    public static string? Compose(string? summary, string? description)
    {
        var s = Normalize(summary);
        var d = Normalize(description);
        if (s is null)
        {
            return d;
        }

        if (d is null || d.StartsWith(s, StringComparison.Ordinal))
        {
            return d ?? s;
        }

        return s + "\n\n" + d;
    }

    /// <summary>Shortens <paramref name="text"/> to its first sentence on one line, cut to at most <paramref name="maxLength"/> characters.</summary>
    public static string Shorten(string text, int maxLength)
    {
        var line = SingleLine(text) ?? string.Empty;
        var end = line.IndexOf(". ", StringComparison.Ordinal);
        if (end >= 0 && end + 1 < line.Length)
        {
            line = line[..(end + 1)];
        }

        return Cut(line, maxLength);
    }

    /// <summary>Cuts <paramref name="text"/> to at most <paramref name="maxLength"/> characters, ending with <c>…</c> when cut.</summary>
    public static string Cut(string text, int maxLength)
    {
        if (text.Length <= maxLength)
        {
            return text;
        }

        var length = maxLength - 1;
        if (length > 0 && char.IsHighSurrogate(text[length - 1]))
        {
            length--;
        }

        return string.Concat(text.AsSpan(0, length).TrimEnd(), "…");
    }
}
