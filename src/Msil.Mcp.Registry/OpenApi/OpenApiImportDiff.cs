using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.Store;

namespace Msil.Mcp.Registry.OpenApi;

/// <summary>What importing a new compilation of a document over an earlier one does to one tool (<see cref="OpenApiImportDiff"/>).</summary>
public enum OpenApiToolChangeKind
{
    /// <summary>A new tool: its operation is new in the document.</summary>
    Added = 0,

    /// <summary>The tool's definition changed.</summary>
    Changed = 1,

    /// <summary>The operation is gone from the document: the registry would retire the tool.</summary>
    Removed = 2,

    /// <summary>The tool's content hash is the same: nothing changes.</summary>
    Unchanged = 3,
}

/// <summary>One line of an <see cref="OpenApiImportDiff"/>.</summary>
/// <param name="Name">The tool's compiled name.</param>
/// <param name="Kind">What happens to the tool.</param>
/// <param name="Reason">Why, in words (<c>new operation</c>, <c>description, input schema changed</c>, …), as the registry's import report says it.</param>
/// <param name="ChangedFields">
/// For a changed tool, the wire names of the fields that differ (<c>title</c>, <c>description</c>, <c>risk_level</c>,
/// <c>input_schema</c>, <c>output_schema</c>, <c>http_binding</c>, <c>examples</c>, <c>domain</c>, <c>idempotent</c>,
/// <c>required_scopes</c>), as the import report's <c>changed_fields</c>; empty otherwise.
/// </param>
public sealed record OpenApiToolChange(string Name, OpenApiToolChangeKind Kind, string Reason, IReadOnlyList<string> ChangedFields);

/// <summary>
/// What importing one compilation of a document over another would add, change and remove, by the rules the registry's
/// import uses (the content hash decides whether a tool changed), without a store: for a review in CI or a command line
/// before the import (<c>msil-mcp openapi diff</c>).
/// </summary>
public sealed class OpenApiImportDiff
{
    private OpenApiImportDiff(IReadOnlyList<OpenApiToolChange> changes) => Changes = changes;

    /// <summary>Gets the changes, one per tool of either compilation, in ordinal name order.</summary>
    public IReadOnlyList<OpenApiToolChange> Changes { get; }

    /// <summary>Compares the tools of a document's new compilation with those of its earlier one.</summary>
    /// <param name="before">The tools the earlier document gave (<see cref="OpenApiCompilation.Tools"/>).</param>
    /// <param name="after">The tools the new document gives.</param>
    /// <returns>The changes an import of <paramref name="after"/> over <paramref name="before"/> would make.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="before"/> or <paramref name="after"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="before"/> holds two tools of the same name.</exception>
    public static OpenApiImportDiff Compare(IReadOnlyList<ToolDefinition> before, IReadOnlyList<ToolDefinition> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);

        // Both under one source, as a re-import of the same document would be: only the content decides what changed.
        const string Source = "openapi:document";
        var existing = new Dictionary<string, ExistingTool>(before.Count, StringComparer.Ordinal);
        foreach (var tool in before)
        {
            ArgumentNullException.ThrowIfNull(tool, nameof(before));
            if (!existing.TryAdd(tool.Name, new ExistingTool(tool.Name, Source, false, false, 1, 1, tool, new Dictionary<string, int>(StringComparer.Ordinal) { [tool.ContentHash] = 1 })))
            {
                throw new ArgumentException($"Two tools are named '{tool.Name}'; give the tools of one compilation.", nameof(before));
            }
        }

        var plan = ImportPlanner.Plan(Source, after, existing);
        return new OpenApiImportDiff([.. plan.Changes.Select(c => new OpenApiToolChange(c.Name, Map(c.Kind), c.Reason, c.ChangedFields))]);
    }

    /// <summary>Counts the changes of one kind.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>How many tools change that way.</returns>
    public int Count(OpenApiToolChangeKind kind) => Changes.Count(c => c.Kind == kind);

    private static OpenApiToolChangeKind Map(ToolChangeKind kind) => kind switch
    {
        ToolChangeKind.Added => OpenApiToolChangeKind.Added,
        ToolChangeKind.Changed => OpenApiToolChangeKind.Changed,
        ToolChangeKind.Removed => OpenApiToolChangeKind.Removed,
        ToolChangeKind.Unchanged => OpenApiToolChangeKind.Unchanged,

        // A conflict needs another source; both compilations here are of one.
        _ => throw new InvalidOperationException($"An import of one document gave a '{kind}' change."),
    };
}
