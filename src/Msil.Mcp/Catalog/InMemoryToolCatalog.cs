using System.Text.RegularExpressions;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Catalog;

/// <summary>The embedded catalog: tools of every source in memory, replaced one source at a time.</summary>
internal sealed partial class InMemoryToolCatalog : IToolCatalog, IToolCatalogWriter
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, IReadOnlyCollection<ToolDefinition>> _bySource = new(StringComparer.Ordinal);
    private ToolCatalogSnapshot _current = ToolCatalogSnapshot.Empty;

    public event EventHandler<ToolCatalogChangedEventArgs>? Changed;

    public ToolCatalogSnapshot Current => Volatile.Read(ref _current);

    public void ReplaceSource(string source, IReadOnlyCollection<ToolDefinition> tools)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        ArgumentNullException.ThrowIfNull(tools);

        ToolCatalogSnapshot next;
        lock (_gate)
        {
            var owner = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (otherSource, otherTools) in _bySource)
            {
                if (otherSource == source)
                {
                    continue;
                }

                foreach (var t in otherTools)
                {
                    owner[t.Name] = otherSource;
                }
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var tool in tools)
            {
                if (!ToolNamePattern().IsMatch(tool.Name))
                {
                    throw new ArgumentException($"Tool name '{tool.Name}' from source '{source}' is invalid: it must match ^[A-Za-z0-9_-]{{1,64}}$.", nameof(tools));
                }

                if (!seen.Add(tool.Name))
                {
                    throw new ArgumentException($"Source '{source}' has two tools named '{tool.Name}'.", nameof(tools));
                }

                if (owner.TryGetValue(tool.Name, out var existing))
                {
                    throw new ArgumentException($"Tool name '{tool.Name}' from source '{source}' is already used by source '{existing}'. Rename one of them.", nameof(tools));
                }
            }

            if (tools.Count == 0)
            {
                _bySource.Remove(source);
            }
            else
            {
                _bySource[source] = tools.ToArray();
            }

            next = new ToolCatalogSnapshot(_current.Version + 1, _bySource.Values.SelectMany(static t => t));
            Volatile.Write(ref _current, next);
        }

        Changed?.Invoke(this, new ToolCatalogChangedEventArgs(next));
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex ToolNamePattern();
}
