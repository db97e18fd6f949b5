using System.Text.Json;

namespace Msil.Mcp.Tests.Validation;

/// <summary>
/// Finds and reads the official JSON Schema Test Suite (<c>../shared/json-schema-test-suite/tests/draft2020-12</c>
/// next to the repository root), and holds the one list of what is skipped or expected to be refused, with reasons.
/// </summary>
internal static class JsonSchemaTestSuite
{
    private const string FormatIsAsserted =
        "format is asserted here, not annotation-only: a string that does not match a checked format is refused "
        + "(stricter than the default; the optional/format files test the formats we check)";

    private const string RemoteReference =
        "refers to a schema in another document (a remote or meta-schema URI); tool schemas must be self-contained, "
        + "so the validator refuses such a $ref at compile time instead of loading it (asserted by RefusedRemote cases)";

    private const string FormatIsAnnotation =
        "this format is an annotation here (2020-12's default): only the formats listed in docs/security.md are checked";

    private const string LeapSecond = "a leap second (:60) is accepted at any minute, not only at 23:59 UTC";

    private const string TimeOffsetOptional =
        "format time accepts a time without an offset (09:30:00), which tools commonly send; date-time requires one";

    private const string EmailSubset =
        "format email accepts the common dot-atom form only; quoted local parts (\"a b\"@example.com) are refused (stricter)";

    private const string EmailShape = "format email checks the shape name@domain.tld, not every RFC 5321 rule of the local part and domain";

    private const string UriParser = "format uri is checked with the runtime's URI parser, which accepts these RFC 3986 violations";

    private const string LongPropertyName =
        ".NET regular expressions have no long Unicode property names (\\p{Letter}, \\p{digit}); such a pattern is refused "
        + "at compile time (use \\p{L}, \\p{Nd}) rather than enforced differently";

    private static readonly Lazy<string> s_root = new(FindRoot);

    private static readonly Lazy<Dictionary<string, JsonElement>> s_files = new(LoadFiles);

    /// <summary>
    /// Gets what is not run, keyed by <c>file</c>, <c>file | group</c> or <c>file | group | description</c>, with
    /// the reason. Everything else in the files below must pass.
    /// </summary>
    internal static IReadOnlyDictionary<string, string> Skipped { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // format: the formats we check (date-time, date, time, uuid, email/idn-email, uri, ipv4, ipv6) are asserted,
        // deliberately stricter than 2020-12's annotation-only default; any other format is an annotation.
        ["format.json | date-time format | invalid date-time string is only an annotation by default"] = FormatIsAsserted,
        ["format.json | date format | invalid date string is only an annotation by default"] = FormatIsAsserted,
        ["format.json | time format | invalid time string is only an annotation by default"] = FormatIsAsserted,
        ["format.json | uuid format | invalid uuid string is only an annotation by default"] = FormatIsAsserted,
        ["format.json | email format | invalid email string is only an annotation by default"] = FormatIsAsserted,
        ["format.json | idn-email format | invalid idn-email string is only an annotation by default"] = FormatIsAsserted,
        ["format.json | uri format | invalid uri string is only an annotation by default"] = FormatIsAsserted,
        ["format.json | ipv4 format | invalid ipv4 string is only an annotation by default"] = FormatIsAsserted,
        ["format.json | ipv6 format | invalid ipv6 string is only an annotation by default"] = FormatIsAsserted,
        ["optional/format/duration.json"] = FormatIsAnnotation,
        ["optional/format/ecmascript-regex.json"] = FormatIsAnnotation,
        ["optional/format/hostname.json"] = FormatIsAnnotation,
        ["optional/format/idn-hostname.json"] = FormatIsAnnotation,
        ["optional/format/iri.json"] = FormatIsAnnotation,
        ["optional/format/iri-reference.json"] = FormatIsAnnotation,
        ["optional/format/json-pointer.json"] = FormatIsAnnotation,
        ["optional/format/regex.json"] = FormatIsAnnotation,
        ["optional/format/relative-json-pointer.json"] = FormatIsAnnotation,
        ["optional/format/uri-reference.json"] = FormatIsAnnotation,
        ["optional/format/uri-template.json"] = FormatIsAnnotation,

        // Asserted formats whose check is simpler than the RFC in these corners.
        ["optional/format/date-time.json | validation of date-time strings | an invalid date-time with leap second on a wrong minute, UTC"] = LeapSecond,
        ["optional/format/date-time.json | validation of date-time strings | an invalid date-time with leap second on a wrong hour, UTC"] = LeapSecond,
        ["optional/format/time.json | validation of time strings | invalid leap second, Zulu (wrong hour)"] = LeapSecond,
        ["optional/format/time.json | validation of time strings | invalid leap second, Zulu (wrong minute)"] = LeapSecond,
        ["optional/format/time.json | validation of time strings | invalid leap second, zero time-offset (wrong hour)"] = LeapSecond,
        ["optional/format/time.json | validation of time strings | invalid leap second, zero time-offset (wrong minute)"] = LeapSecond,
        ["optional/format/time.json | validation of time strings | invalid leap second, positive time-offset (wrong hour)"] = LeapSecond,
        ["optional/format/time.json | validation of time strings | invalid leap second, positive time-offset (wrong minute)"] = LeapSecond,
        ["optional/format/time.json | validation of time strings | invalid leap second, negative time-offset (wrong hour)"] = LeapSecond,
        ["optional/format/time.json | validation of time strings | invalid leap second, negative time-offset (wrong minute)"] = LeapSecond,
        ["optional/format/time.json | validation of time strings | an invalid time string with invalid leap second (wrong hour)"] = LeapSecond,
        ["optional/format/time.json | validation of time strings | an invalid time string with invalid leap second (wrong minute)"] = LeapSecond,
        ["optional/format/time.json | validation of time strings | no time offset"] = TimeOffsetOptional,
        ["optional/format/time.json | validation of time strings | no time offset with second fraction"] = TimeOffsetOptional,
        ["optional/format/email.json | validation of e-mail addresses | a quoted string with a space in the local part is valid"] = EmailSubset,
        ["optional/format/email.json | validation of e-mail addresses | a quoted string with a double dot in the local part is valid"] = EmailSubset,
        ["optional/format/email.json | validation of e-mail addresses | a quoted string with a @ in the local part is valid"] = EmailSubset,
        ["optional/format/idn-email.json | validation of an internationalized e-mail addresses | a non-ASCII quoted local part is valid"] = EmailSubset,
        ["optional/format/idn-email.json | validation of an internationalized e-mail addresses | a C1 control in the local part is valid"] = EmailSubset,
        ["optional/format/email.json | validation of e-mail addresses | two subsequent dots inside local part are not valid"] = EmailShape,
        ["optional/format/email.json | validation of e-mail addresses | an invalid domain"] = EmailShape,
        ["optional/format/email.json | validation of e-mail addresses | an invalid IPv4-address-literal"] = EmailShape,
        ["optional/format/ipv6.json | validation of IPv6 addresses | a leading zero in the last IPv4 octet is invalid"] =
            "ipv6 is checked with the runtime's address parser, which accepts a leading zero in an embedded IPv4 octet",
        ["optional/format/uri.json | validation of URIs | invalid userinfo"] = UriParser,
        ["optional/format/uri.json | validation of URIs | non-numeric port is invalid"] = UriParser,
        ["optional/format/uri.json | validation of URIs | leading zero in an embedded IPv4 address is invalid"] = UriParser,
        ["optional/format/uri.json | validation of URIs | square brackets are not allowed in a path segment"] = UriParser,

        // Dialects and numbers.
        ["vocabulary.json | schema that uses custom metaschema with with no validation vocabulary"] =
            "$schema and $vocabulary are not read: every vocabulary is always on, so a custom meta-schema cannot switch "
            + "validation off (stricter, never looser; a meta-schema is another document and is not loaded)",
        ["optional/float-overflow.json"] =
            "multipleOf on a number beyond the double range (1e308) is refused rather than assumed to divide",
    };

    /// <summary>
    /// Gets the groups whose schema must be refused at compile time (by <c>file | group</c>), with the keyword the
    /// error must name and why it is refused rather than supported.
    /// </summary>
    internal static IReadOnlyDictionary<string, (string Keyword, string Reason)> Refused { get; } =
        new Dictionary<string, (string Keyword, string Reason)>(StringComparer.Ordinal)
        {
            ["refRemote.json"] = ("$ref", RemoteReference),
            ["ref.json | remote ref, containing refs itself"] = ("$ref", RemoteReference),
            ["defs.json | validate definition against metaschema"] = ("$ref", RemoteReference),
            ["dynamicRef.json | strict-tree schema, guards against misspelled properties"] = ("$ref", RemoteReference),
            ["dynamicRef.json | tests for implementation dynamic anchor and reference link"] = ("$ref", RemoteReference),
            ["dynamicRef.json | $ref and $dynamicAnchor are independent of order - $defs first"] = ("$ref", RemoteReference),
            ["dynamicRef.json | $ref and $dynamicAnchor are independent of order - $ref first"] = ("$ref", RemoteReference),
            ["dynamicRef.json | $ref to $dynamicRef finds detached $dynamicAnchor"] = ("$ref", RemoteReference),
            ["optional/cross-draft.json | refs to historic drafts are processed as historic drafts"] = ("$ref", RemoteReference),
            ["pattern.json | pattern with Unicode property escape requires unicode mode"] = ("pattern", LongPropertyName),
            ["patternProperties.json | patternProperties with Unicode property escape"] = ("patternProperties", LongPropertyName),
            ["optional/ecmascript-regex.json | patterns always use unicode semantics with pattern"] = ("pattern", LongPropertyName),
            ["optional/ecmascript-regex.json | patterns always use unicode semantics with patternProperties"] = ("patternProperties", LongPropertyName),
            ["optional/ecmascript-regex.json | pattern with non-ASCII digits"] = ("pattern", LongPropertyName),
            ["optional/ecmascript-regex.json | patternProperties with non-ASCII digits"] = ("patternProperties", LongPropertyName),
        };

    internal static string Root => s_root.Value;

    internal static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        foreach ((string file, JsonElement groups) in s_files.Value.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            foreach (JsonElement group in groups.EnumerateArray())
            {
                string groupName = group.GetProperty("description").GetString()!;
                foreach (JsonElement test in group.GetProperty("tests").EnumerateArray())
                {
                    data.Add(file, groupName, test.GetProperty("description").GetString()!);
                }
            }
        }

        return data;
    }

    internal static (JsonElement Schema, JsonElement Data, bool Valid) Load(string file, string group, string description)
    {
        foreach (JsonElement g in s_files.Value[file].EnumerateArray())
        {
            if (g.GetProperty("description").GetString() != group)
            {
                continue;
            }

            foreach (JsonElement test in g.GetProperty("tests").EnumerateArray())
            {
                if (test.GetProperty("description").GetString() == description)
                {
                    return (g.GetProperty("schema"), test.GetProperty("data"), test.GetProperty("valid").GetBoolean());
                }
            }
        }

        throw new InvalidOperationException($"The suite has no case '{file} | {group} | {description}'.");
    }

    internal static string? SkipReason(string file, string group, string description)
    {
        if (Skipped.TryGetValue(file + " | " + group + " | " + description, out string? reason)
            || Skipped.TryGetValue(file + " | " + group, out reason)
            || Skipped.TryGetValue(file, out reason))
        {
            return reason;
        }

        return null;
    }

    internal static (string Keyword, string Reason)? RefusalReason(string file, string group) =>
        Refused.TryGetValue(file + " | " + group, out (string Keyword, string Reason) refusal)
        || Refused.TryGetValue(file, out refusal)
            ? refusal
            : null;

    private static Dictionary<string, JsonElement> LoadFiles()
    {
        var files = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (string path in Directory.EnumerateFiles(Root, "*.json", SearchOption.AllDirectories))
        {
            string name = Path.GetRelativePath(Root, path).Replace('\\', '/');
            files.Add(name, JsonDocument.Parse(File.ReadAllBytes(path)).RootElement);
        }

        return files;
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Msil.Mcp.Sdk.sln")))
        {
            directory = directory.Parent;
        }

        if (directory is null)
        {
            throw new InvalidOperationException(
                $"The repository root (the folder containing Msil.Mcp.Sdk.sln) was not found above {AppContext.BaseDirectory}; the JSON Schema Test Suite is looked up relative to it.");
        }

        string root = Path.GetFullPath(Path.Combine(directory.FullName, "..", "shared", "json-schema-test-suite", "tests", "draft2020-12"));
        if (!Directory.Exists(root))
        {
            throw new InvalidOperationException(
                $"The JSON Schema Test Suite was not found at {root}. It is expected in ../shared/json-schema-test-suite next to the repository root ({directory.FullName}); put the suite there to run these tests.");
        }

        return root;
    }
}
