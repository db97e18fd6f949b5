namespace Msil.Mcp.Apim.Http;

/// <summary>
/// What HTTP can carry where caller input ends up in a request. Header values go on the wire as they are, so they must
/// be printable ASCII (RFC 9110 field-value: VCHAR, SP, HTAB; <see cref="HttpClient"/> writes ASCII only and throws on
/// anything else, which would look like a gateway failure); path and query values are percent-encoded UTF-8, so they
/// need only be text (a JSON string with a lone surrogate escape has no UTF-8 form).
/// </summary>
internal static class HttpText
{
    /// <summary>Returns whether <paramref name="value"/> may be sent as a header value: printable ASCII, space and tab only.</summary>
    public static bool IsHeaderValue(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (c is not ('\t' or (>= ' ' and <= '~')))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Describes why <paramref name="value"/> cannot be a header value, for the model; <see langword="null"/> when it can.</summary>
    public static string? HeaderValueProblem(ReadOnlySpan<char> value)
    {
        if (IsHeaderValue(value))
        {
            return null;
        }

        if (value.IndexOfAny('\r', '\n') >= 0)
        {
            return "must not contain line breaks";
        }

        return HasControl(value)
            ? "must not contain control characters"
            : "may contain only ASCII characters (HTTP headers cannot carry others): spell the value in ASCII, for example without accents, or leave the argument out";
    }

    /// <summary>Returns whether <paramref name="value"/> has a C0 control character or DEL.</summary>
    public static bool HasControl(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (c is < ' ' or '\u007f')
            {
                return true;
            }
        }

        return false;
    }
}
