using Microsoft.Extensions.Logging;
using ModelContextProtocol.Server;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Catalog;

/// <summary>
/// Mirrors the catalog into the one <see cref="McpServerPrimitiveCollection{T}"/> every MCP server instance shares,
/// so stateless requests see the current tools and stateful sessions are sent <c>notifications/tools/list_changed</c>.
/// </summary>
internal sealed class GovernedToolCollection : IDisposable
{
    private readonly IToolCatalog _catalog;
    private readonly ILogger<GovernedToolCollection> _logger;
    private readonly Pipeline.Stages.ExecuteStage _execute;
    private readonly Lock _gate = new();
    private Dictionary<string, GovernedTool> _byName = new(StringComparer.Ordinal);
    private CompiledTool[] _listing = [];
    private long _syncedVersion = -1;

    public GovernedToolCollection(IToolCatalog catalog, Pipeline.Stages.ExecuteStage execute, ILogger<GovernedToolCollection> logger)
    {
        _catalog = catalog;
        _execute = execute;
        _logger = logger;
        _catalog.Changed += OnCatalogChanged;
        Sync(_catalog.Current);
    }

    public McpServerPrimitiveCollection<McpServerTool> Tools { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Gets every governed tool in ordinal name order, built once per catalog change (never per request), so
    /// <c>tools/list</c> pages over it by name without copying or sorting the catalog.
    /// </summary>
    public IReadOnlyList<CompiledTool> Listing => Volatile.Read(ref _listing);

    public bool TryGet(string name, out GovernedTool? tool)
    {
        var map = Volatile.Read(ref _byName);
        return map.TryGetValue(name, out tool);
    }

    public void Dispose() => _catalog.Changed -= OnCatalogChanged;

    private void OnCatalogChanged(object? sender, ToolCatalogChangedEventArgs e) => Sync(e.Snapshot);

    private void Sync(ToolCatalogSnapshot snapshot)
    {
        lock (_gate)
        {
            if (snapshot.Version <= _syncedVersion)
            {
                return;
            }

            var old = _byName;
            var next = new Dictionary<string, GovernedTool>(snapshot.Tools.Count, StringComparer.Ordinal);
            var rejected = 0;
            using (Tools.DeferChangedEvents())
            {
                foreach (var definition in snapshot.Tools)
                {
                    if (old.TryGetValue(definition.Name, out var existing) && existing.Compiled.Definition.ContentHash == definition.ContentHash)
                    {
                        next[definition.Name] = existing;
                        continue;
                    }

                    GovernedTool governed;
                    try
                    {
                        governed = new GovernedTool(CompiledTool.Compile(definition), _execute);
                    }
                    catch (ArgumentException ex)
                    {
                        rejected++;
                        Log.ToolRejected(_logger, definition.Name, ex.Message);
                        continue;
                    }

                    next[definition.Name] = governed;
                    if (existing is not null)
                    {
                        Tools.Remove(existing);
                    }

                    Tools.TryAdd(governed);
                }

                foreach (var (name, tool) in old)
                {
                    if (!next.ContainsKey(name))
                    {
                        Tools.Remove(tool);
                    }
                }
            }

            var listing = new CompiledTool[next.Count];
            var index = 0;
            foreach (var tool in next.Values)
            {
                listing[index++] = tool.Compiled;
            }

            Array.Sort(listing, static (a, b) => string.CompareOrdinal(a.Definition.Name, b.Definition.Name));
            Volatile.Write(ref _byName, next);
            Volatile.Write(ref _listing, listing);
            _syncedVersion = snapshot.Version;
            Log.CatalogSynced(_logger, snapshot.Version, next.Count, rejected);
        }
    }
}
