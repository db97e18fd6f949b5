using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Msil.Mcp.Registry.OpenApi;

/// <summary>Tool and argument names derived from OpenAPI operation ids, paths and parameter names.</summary>
internal static class ToolNaming
{
    /// <summary>The longest tool or argument name MCP clients accept.</summary>
    public const int MaxLength = 64;

    private const int SuffixLength = 7; // "_" + 6 hex characters

    /// <summary>Converts an operation id to snake_case: <c>listCoreV1NamespacedPod</c> becomes <c>list_core_v1_namespaced_pod</c>.</summary>
    /// <remarks>
    /// Characters outside <c>[A-Za-z0-9_-]</c> become <c>_</c>; an upper-case letter after a lower-case letter or a digit,
    /// or the last capital of an acronym (<c>HTTPServer</c>), starts a new word; runs of <c>_</c> collapse and leading or
    /// trailing <c>_</c> are trimmed. The result may be empty and is not yet limited in length.
    /// </remarks>
    public static string ToSnakeCase(string value)
    {
        var builder = new StringBuilder(value.Length + 8);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsAsciiLetterUpper(c))
            {
                if (i > 0)
                {
                    var previous = value[i - 1];
                    var next = i + 1 < value.Length ? value[i + 1] : '\0';
                    if (char.IsAsciiLetterLower(previous) || char.IsAsciiDigit(previous)
                        || (char.IsAsciiLetterUpper(previous) && char.IsAsciiLetterLower(next)))
                    {
                        Append(builder, '_');
                    }
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else if (char.IsAsciiLetterOrDigit(c) || c == '-')
            {
                builder.Append(c);
            }
            else
            {
                Append(builder, '_');
            }
        }

        return builder.ToString().Trim('_');

        static void Append(StringBuilder builder, char c)
        {
            if (builder.Length > 0 && builder[^1] != '_')
            {
                builder.Append(c);
            }
        }
    }

    /// <summary>Builds a snake_case name from the method and path: <c>GET /v1/dealers/{id}</c> becomes <c>get_v1_dealers_by_id</c>.</summary>
    public static string FromMethodAndPath(string method, string path)
    {
        var builder = new StringBuilder(method.Length + path.Length + 16);
        builder.Append(method.ToLowerInvariant());
        var segments = 0;
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            builder.Append('_');
            var i = 0;
            while (i < segment.Length)
            {
                var open = segment.IndexOf('{', i);
                if (open < 0)
                {
                    builder.Append(segment, i, segment.Length - i);
                    break;
                }

                var close = segment.IndexOf('}', open + 1);
                if (close < 0)
                {
                    builder.Append(segment, i, segment.Length - i);
                    break;
                }

                builder.Append(segment, i, open - i).Append("_by_").Append(segment, open + 1, close - open - 1).Append('_');
                i = close + 1;
            }

            segments++;
        }

        if (segments == 0)
        {
            builder.Append("_root");
        }

        return ToSnakeCase(builder.ToString());
    }

    /// <summary>Limits <paramref name="name"/> to 64 characters, replacing the tail with <c>_</c> and 6 hex digits of its SHA-256.</summary>
    public static string Truncate(string name) =>
        name.Length <= MaxLength ? name : Stem(name) + "_" + ShortHash(name);

    /// <summary>Appends a stable suffix derived from <paramref name="key"/>, keeping the result within 64 characters.</summary>
    public static string WithSuffix(string name, string key) => Stem(name) + "_" + ShortHash(key);

    /// <summary>Returns the first 6 lower-case hex digits of the SHA-256 of <paramref name="value"/> (UTF-8).</summary>
    public static string ShortHash(string value)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(value), hash);
        return Convert.ToHexStringLower(hash[..3]);
    }

    /// <summary>Returns whether <paramref name="name"/> is a valid tool name (<c>^[A-Za-z0-9_-]{1,64}$</c>).</summary>
    public static bool IsValidToolName(string name)
    {
        if (name.Length is 0 or > MaxLength)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_' && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Returns an argument name that MCP clients accept (<c>^[A-Za-z0-9_.-]{1,64}$</c>) for a wire name.</summary>
    /// <remarks>
    /// Valid names are kept as they are. Otherwise <c>&lt;</c> and <c>&gt;</c> (filter operators such as
    /// <c>StartTime&lt;</c>) become <c>_lt</c> and <c>_gt</c>, any other character outside the set becomes <c>_</c>,
    /// runs of <c>_</c> collapse and the ends are trimmed.
    /// </remarks>
    public static string ToArgumentName(string wireName)
    {
        if (IsValidArgumentName(wireName))
        {
            return wireName;
        }

        var builder = new StringBuilder(wireName.Length + 4);
        foreach (var c in wireName)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-')
            {
                if (c != '_' || (builder.Length > 0 && builder[^1] != '_'))
                {
                    builder.Append(c);
                }
            }
            else
            {
                if (builder.Length > 0 && builder[^1] != '_')
                {
                    builder.Append('_');
                }

                if (c == '<')
                {
                    builder.Append("lt_");
                }
                else if (c == '>')
                {
                    builder.Append("gt_");
                }
            }
        }

        var result = builder.ToString().Trim('_');
        if (result.Length == 0)
        {
            result = "arg_" + ShortHash(wireName);
        }

        return Truncate(result);
    }

    /// <summary>Returns whether <paramref name="name"/> matches <c>^[A-Za-z0-9_.-]{1,64}$</c>.</summary>
    public static bool IsValidArgumentName(string name)
    {
        if (name.Length is 0 or > MaxLength)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '.' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Makes <paramref name="candidate"/> unique in <paramref name="taken"/> and adds it.</summary>
    /// <param name="taken">The names already used.</param>
    /// <param name="candidate">The preferred name.</param>
    /// <param name="seed">A text unique to what is being named (its location and wire name), for the hash suffix.</param>
    /// <remarks>Tries <c>_2</c> to <c>_9</c> first, then a suffix hashed from <paramref name="seed"/>, so even thousands of clashes stay cheap.</remarks>
    public static string Reserve(HashSet<string> taken, string candidate, string seed)
    {
        if (taken.Add(candidate))
        {
            return candidate;
        }

        for (var n = 2; n < 10; n++)
        {
            var suffix = "_" + n.ToString(CultureInfo.InvariantCulture);
            var stem = candidate.Length + suffix.Length > MaxLength ? candidate[..(MaxLength - suffix.Length)] : candidate;
            if (taken.Add(stem + suffix))
            {
                return stem + suffix;
            }
        }

        var name = WithSuffix(candidate, seed);
        for (var n = 2; !taken.Add(name); n++)
        {
            name = WithSuffix(candidate, seed + "#" + n.ToString(CultureInfo.InvariantCulture));
        }

        return name;
    }

    private static string Stem(string name)
    {
        var stem = name.Length > MaxLength - SuffixLength ? name[..(MaxLength - SuffixLength)] : name;
        return stem.TrimEnd('_');
    }
}
