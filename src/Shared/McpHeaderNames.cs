// Shared by Msil.Mcp, Msil.Mcp.Registry and Msil.Mcp.Generators (netstandard2.0): keep it free of newer APIs.
namespace Msil.Mcp.CustomHeaders;

/// <summary>
/// The SEP-2243 rules for an <c>x-mcp-header</c> declaration that do not need a JSON document: the header name's
/// syntax and the JSON Schema types it may be declared on.
/// </summary>
internal static class McpHeaderNames
{
    /// <summary>The JSON Schema keyword that mirrors an argument into an <c>Mcp-Param-{Name}</c> HTTP header.</summary>
    public const string Keyword = "x-mcp-header";

    /// <summary>The prefix of the HTTP header a client sends for a declared argument.</summary>
    public const string HeaderPrefix = "Mcp-Param-";

    /// <summary>The characters allowed besides ASCII letters and digits (RFC 9110 §5.6.2 <c>tchar</c>).</summary>
    public const string TokenPunctuation = "!#$%&'*+-.^_`|~";

    /// <summary>Returns the index of the first character of <paramref name="name"/> that is not an HTTP token character, or -1.</summary>
    public static int FindInvalidCharacter(string name)
    {
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
            if (!ok)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Returns why <paramref name="name"/> cannot be a header name, or <see langword="null"/> when it can.</summary>
    public static string? NameProblem(string? name)
    {
        if (name is null || name.Length == 0)
        {
            return "the header name is empty";
        }

        var bad = FindInvalidCharacter(name);
        if (bad >= 0)
        {
            var c = name[bad];
            return "the header name '" + name + "' contains " + Describe(c) + ", but only letters, digits and " + TokenPunctuation
                + " are allowed (an HTTP token, RFC 9110)";
        }

        return null;
    }

    /// <summary>Returns whether a JSON Schema <c>type</c> name may carry a header: <c>string</c>, <c>integer</c> or <c>boolean</c>.</summary>
    /// <remarks><c>number</c> is excluded by SEP-2243 (a float has no single text form), and SDK clients drop such a tool.</remarks>
    public static bool IsHeaderType(string? jsonType) => jsonType is "string" or "integer" or "boolean";

    private static string Describe(char c)
        => c is >= ' ' and <= '~'
            ? "'" + c + "'"
            : "the character U+" + ((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture);
}
