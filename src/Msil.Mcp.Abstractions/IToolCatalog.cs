using System.Collections.Frozen;

namespace Msil.Mcp.Abstractions;

/// <summary>The set of governed tools, served from memory and replaced atomically as a whole.</summary>
public interface IToolCatalog
{
    /// <summary>Gets the current snapshot. Cheap: callers may read it on every request.</summary>
    ToolCatalogSnapshot Current { get; }

    /// <summary>Raised after <see cref="Current"/> has been replaced.</summary>
    event EventHandler<ToolCatalogChangedEventArgs>? Changed;
}

/// <summary>Writes tools into the catalog, one source at a time.</summary>
public interface IToolCatalogWriter
{
    /// <summary>Replaces every tool of <paramref name="source"/> with <paramref name="tools"/> in one step.</summary>
    /// <param name="source">The source, for example <c>openapi:sample-backend</c> or <c>generated:MyTools</c>.</param>
    /// <param name="tools">The complete new set of that source's tools.</param>
    /// <exception cref="ArgumentException">A tool's name is invalid or is already used by another source.</exception>
    void ReplaceSource(string source, IReadOnlyCollection<ToolDefinition> tools);
}

/// <summary>Event data for <see cref="IToolCatalog.Changed"/>.</summary>
/// <param name="snapshot">The new snapshot.</param>
public sealed class ToolCatalogChangedEventArgs(ToolCatalogSnapshot snapshot) : EventArgs
{
    /// <summary>Gets the new snapshot.</summary>
    public ToolCatalogSnapshot Snapshot { get; } = snapshot;
}

/// <summary>An immutable view of the catalog at one version.</summary>
public sealed class ToolCatalogSnapshot
{
    private readonly FrozenDictionary<string, ToolDefinition> _byName;

    /// <summary>Initializes a new instance of the <see cref="ToolCatalogSnapshot"/> class.</summary>
    /// <param name="version">A number that grows with every change.</param>
    /// <param name="tools">The tools; names must be unique (ordinal).</param>
    /// <exception cref="ArgumentNullException"><paramref name="tools"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">Two tools share a name.</exception>
    public ToolCatalogSnapshot(long version, IEnumerable<ToolDefinition> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var sorted = tools.OrderBy(t => t.Name, StringComparer.Ordinal).ToArray();
        var map = new Dictionary<string, ToolDefinition>(sorted.Length, StringComparer.Ordinal);
        foreach (var tool in sorted)
        {
            if (!map.TryAdd(tool.Name, tool))
            {
                throw new ArgumentException($"Two tools are named '{tool.Name}'.", nameof(tools));
            }
        }

        Version = version;
        Tools = sorted;
        _byName = map.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Gets an empty snapshot at version 0.</summary>
    public static ToolCatalogSnapshot Empty { get; } = new(0, []);

    /// <summary>Gets the snapshot's version.</summary>
    public long Version { get; }

    /// <summary>Gets the tools in stable (ordinal name) order.</summary>
    public IReadOnlyList<ToolDefinition> Tools { get; }

    /// <summary>Looks a tool up by name.</summary>
    /// <param name="name">The tool name.</param>
    /// <param name="tool">The tool, when found.</param>
    /// <returns><see langword="true"/> when the tool exists.</returns>
    public bool TryGetTool(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ToolDefinition? tool)
        => _byName.TryGetValue(name, out tool);
}
