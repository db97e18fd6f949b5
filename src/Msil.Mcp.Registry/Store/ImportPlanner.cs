using System.Text.Json;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Registry.Store;

/// <summary>What an import does to one tool.</summary>
internal enum ToolChangeKind
{
    /// <summary>A new tool (or one that returns after it was retired).</summary>
    Added,

    /// <summary>The tool's definition changed.</summary>
    Changed,

    /// <summary>The operation is gone from the document: the tool is retired.</summary>
    Removed,

    /// <summary>Nothing changed.</summary>
    Unchanged,

    /// <summary>Another source already has a tool of that name: the import is refused.</summary>
    Conflict,
}

/// <summary>One line of an import diff.</summary>
/// <param name="Name">The tool's stored (compiled) name.</param>
/// <param name="Kind">What happens.</param>
/// <param name="Reason">Why, in words.</param>
/// <param name="FromVersion">The version served before, if any.</param>
/// <param name="ToVersion">The version served after, if any.</param>
/// <param name="NewVersion">Whether a new version row is written.</param>
internal sealed record ToolChange(string Name, ToolChangeKind Kind, string Reason, int? FromVersion, int? ToVersion, bool NewVersion = false)
{
    /// <summary>Gets the compiled definition the change stores (added and changed tools).</summary>
    public ToolDefinition? Definition { get; init; }

    /// <summary>Gets the version written when <see cref="NewVersion"/> is set, else the version the tool moves to.</summary>
    public int? StoredVersion { get; init; }

    /// <summary>Gets whether the tool stays pinned (its current version is not moved).</summary>
    public bool Pinned { get; init; }

    /// <summary>Gets the wire names of the fields a changed tool changes (<see cref="ImportPlanner.ChangedFields"/>); empty otherwise.</summary>
    public IReadOnlyList<string> ChangedFields { get; init; } = [];
}

/// <summary>The diff an import makes, in name order.</summary>
internal sealed record ImportPlan(string Source, IReadOnlyList<ToolChange> Changes)
{
    public int Count(ToolChangeKind kind) => Changes.Count(c => c.Kind == kind);

    public bool HasConflicts => Changes.Any(c => c.Kind == ToolChangeKind.Conflict);
}

/// <summary>A tool as the store holds it, for planning.</summary>
/// <param name="Name">The stored name.</param>
/// <param name="Source">Its source.</param>
/// <param name="Retired">Whether it is retired.</param>
/// <param name="Pinned">Whether a rollback pinned it.</param>
/// <param name="CurrentVersion">The version served.</param>
/// <param name="LatestVersion">The highest version stored.</param>
/// <param name="Current">The definition at the current version.</param>
/// <param name="VersionsByHash">Every stored version by content hash.</param>
internal sealed record ExistingTool(string Name, string Source, bool Retired, bool Pinned, int CurrentVersion, int LatestVersion, ToolDefinition Current, IReadOnlyDictionary<string, int> VersionsByHash);

/// <summary>Computes an import's diff from what the store holds; pure, so dry runs and the CLI use the same rules.</summary>
internal static class ImportPlanner
{
    public static ImportPlan Plan(string source, IReadOnlyList<ToolDefinition> tools, IReadOnlyDictionary<string, ExistingTool> existing)
    {
        var changes = new List<ToolChange>(tools.Count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tool in tools)
        {
            names.Add(tool.Name);
            if (!existing.TryGetValue(tool.Name, out var row))
            {
                changes.Add(new ToolChange(tool.Name, ToolChangeKind.Added, "new operation", null, 1, NewVersion: true) { Definition = tool, StoredVersion = 1 });
                continue;
            }

            if (!string.Equals(row.Source, source, StringComparison.Ordinal) && !row.Retired)
            {
                changes.Add(new ToolChange(tool.Name, ToolChangeKind.Conflict, $"the name is already used by source '{row.Source}'", row.CurrentVersion, null));
                continue;
            }

            var known = row.VersionsByHash.TryGetValue(tool.ContentHash, out var knownVersion);
            var target = known ? knownVersion : row.LatestVersion + 1;
            if (row.Retired)
            {
                var reason = known ? $"back in the document, same as version {knownVersion}" : "back in the document, with a new definition";
                changes.Add(new ToolChange(tool.Name, ToolChangeKind.Added, reason, null, target, NewVersion: !known) { Definition = tool, StoredVersion = target });
                continue;
            }

            if (string.Equals(row.Current.ContentHash, tool.ContentHash, StringComparison.Ordinal))
            {
                changes.Add(new ToolChange(tool.Name, ToolChangeKind.Unchanged, "same content hash", row.CurrentVersion, row.CurrentVersion));
                continue;
            }

            var what = Describe(row.Current, tool);
            var fields = ChangedFields(row.Current, tool);
            if (row.Pinned)
            {
                var stored = known ? $"already stored as version {knownVersion}" : $"stored as version {target}";
                changes.Add(new ToolChange(tool.Name, ToolChangeKind.Changed, $"{what}; {stored} but not served: pinned at version {row.CurrentVersion} by a rollback", row.CurrentVersion, row.CurrentVersion, NewVersion: !known)
                {
                    Definition = tool,
                    StoredVersion = target,
                    Pinned = true,
                    ChangedFields = fields,
                });
                continue;
            }

            changes.Add(new ToolChange(tool.Name, ToolChangeKind.Changed, known ? $"{what}; same as stored version {knownVersion}" : what, row.CurrentVersion, target, NewVersion: !known)
            {
                Definition = tool,
                StoredVersion = target,
                ChangedFields = fields,
            });
        }

        foreach (var row in existing.Values)
        {
            if (string.Equals(row.Source, source, StringComparison.Ordinal) && !row.Retired && !names.Contains(row.Name))
            {
                changes.Add(new ToolChange(row.Name, ToolChangeKind.Removed, "the operation is no longer in the document: retired", row.CurrentVersion, null));
            }
        }

        changes.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new ImportPlan(source, changes);
    }

    /// <summary>Names what differs between two definitions of a tool.</summary>
    public static string Describe(ToolDefinition before, ToolDefinition after)
    {
        var parts = Differences(before, after).Select(d => d.Words).ToList();
        return parts.Count == 0 ? "content hash changed" : string.Join(", ", parts) + " changed";
    }

    /// <summary>
    /// Lists the fields that differ between two definitions of a tool, by their wire names (<c>name</c>, <c>title</c>,
    /// <c>description</c>, <c>risk_level</c>, <c>input_schema</c>, <c>output_schema</c>, <c>http_binding</c>,
    /// <c>examples</c>, <c>domain</c>, <c>idempotent</c>, <c>required_scopes</c>), for the import report's <c>changed_fields</c>.
    /// </summary>
    public static IReadOnlyList<string> ChangedFields(ToolDefinition before, ToolDefinition after)
        => Differences(before, after).Select(d => d.Field).ToArray();

    private static List<(string Field, string Words)> Differences(ToolDefinition before, ToolDefinition after)
    {
        var parts = new List<(string, string)>();
        if (!string.Equals(before.Name, after.Name, StringComparison.Ordinal))
        {
            parts.Add(("name", "name"));
        }

        if (!string.Equals(before.Description, after.Description, StringComparison.Ordinal))
        {
            parts.Add(("description", "description"));
        }

        if (!string.Equals(before.Title, after.Title, StringComparison.Ordinal))
        {
            parts.Add(("title", "title"));
        }

        if (before.RiskLevel != after.RiskLevel)
        {
            parts.Add(("risk_level", $"risk level {before.RiskLevel.ToWire()} → {after.RiskLevel.ToWire()}"));
        }

        if (!SameJson(before.InputSchema, after.InputSchema))
        {
            parts.Add(("input_schema", "input schema"));
        }

        if (!SameJson(before.OutputSchema, after.OutputSchema))
        {
            parts.Add(("output_schema", "output schema"));
        }

        if (!SameHttp(before.Http, after.Http))
        {
            parts.Add(("http_binding", "HTTP binding"));
        }

        if (before.Examples.Count != after.Examples.Count
            || before.Examples.Zip(after.Examples).Any(p => !SameJson(p.First.Input, p.Second.Input) || !SameJson(p.First.Output, p.Second.Output)))
        {
            parts.Add(("examples", "examples"));
        }

        if (!string.Equals(before.Domain, after.Domain, StringComparison.Ordinal))
        {
            parts.Add(("domain", "domain"));
        }

        if (before.Idempotent != after.Idempotent)
        {
            parts.Add(("idempotent", "idempotency"));
        }

        if (!before.RequiredScopes.SequenceEqual(after.RequiredScopes, StringComparer.Ordinal))
        {
            parts.Add(("required_scopes", "required scopes"));
        }

        return parts;
    }

    private static bool SameJson(JsonElement? a, JsonElement? b)
        => (a, b) switch
        {
            (null, null) => true,
            ({ } x, { } y) => JsonElement.DeepEquals(x, y),
            _ => false,
        };

    private static bool SameHttp(HttpBinding? a, HttpBinding? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        return a.Method == b.Method && a.PathTemplate == b.PathTemplate && a.BodyContentType == b.BodyContentType
            && a.Gateway == b.Gateway && a.Audience == b.Audience && a.Parameters.SequenceEqual(b.Parameters)
            && SameXml(a.BodyXml, b.BodyXml) && SameXml(a.ResponseXml, b.ResponseXml) && a.Credentials.SequenceEqual(b.Credentials);
    }

    private static bool SameXml(XmlMapping? a, XmlMapping? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        return a.Name == b.Name && a.Property == b.Property && a.Namespace == b.Namespace && a.Prefix == b.Prefix
            && a.Attribute == b.Attribute && a.Wrapped == b.Wrapped && a.Type == b.Type && SameXml(a.Items, b.Items)
            && a.Properties.Count == b.Properties.Count && a.Properties.Zip(b.Properties).All(p => SameXml(p.First, p.Second));
    }
}
