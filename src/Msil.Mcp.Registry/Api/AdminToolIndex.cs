using System.Text.Json;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.Catalog;
using Msil.Mcp.Registry.Curation;
using Msil.Mcp.Registry.Store;

namespace Msil.Mcp.Registry.Api;

/// <summary>One row of the admin tool list, with its summary serialized once when the index is built.</summary>
internal sealed record AdminToolEntry(
    string Name,
    string? StoredName,
    ToolDefinition Definition,
    string State,
    DateTimeOffset? UpdatedAt,
    string SearchText,
    AdminToolSummaryResponse Summary,
    PreSerializedJson SummaryJson);

/// <summary>The admin tool list at one (catalog version, store revision, change revision): sorted entries and a name lookup.</summary>
internal sealed record AdminToolIndexSnapshot(long CatalogVersion, long StoreRevision, long ChangeRevision, IReadOnlyList<AdminToolEntry> Entries, IReadOnlyDictionary<string, AdminToolEntry> ByName);

/// <summary>
/// The index behind <c>GET /api/mcp/admin/tools</c>: every served tool (state <c>active</c>), every stored tool that is
/// not served (<c>hidden</c>: disabled by an override, or its name taken) and every tool a pending change would add
/// (<c>staged</c>). It is rebuilt once when the catalog, the store or the pending changes move, never per request, so a
/// request filters and pages over ready rows and writes only the page's pre-serialized summaries.
/// </summary>
internal sealed class AdminToolIndex(IToolCatalog catalog, ToolRegistry registry, IChangeStagingView? staging = null) : IDisposable
{
    public const string Active = "active";
    public const string Hidden = "hidden";
    public const string Staged = "staged";

    private readonly SemaphoreSlim _buildLock = new(1, 1);
    private AdminToolIndexSnapshot? _current;

    /// <summary>Gets how many times the index was built (tests check it is not rebuilt per request).</summary>
    public int Builds { get; private set; }

    public void Dispose() => _buildLock.Dispose();

    public async ValueTask<AdminToolIndexSnapshot> GetAsync(CancellationToken cancellationToken)
    {
        var version = catalog.Current.Version;
        var revision = registry.Revision;
        var changes = staging?.Revision ?? 0;
        if (Volatile.Read(ref _current) is { } ready && ready.CatalogVersion == version && ready.StoreRevision == revision && ready.ChangeRevision == changes)
        {
            return ready;
        }

        await _buildLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            version = catalog.Current.Version;
            revision = registry.Revision;
            changes = staging?.Revision ?? 0;
            if (_current is { } built && built.CatalogVersion == version && built.StoreRevision == revision && built.ChangeRevision == changes)
            {
                return built;
            }

            var next = await BuildAsync(version, revision, changes, cancellationToken).ConfigureAwait(false);
            Builds++;
            Volatile.Write(ref _current, next);
            return next;
        }
        finally
        {
            _buildLock.Release();
        }
    }

    private async Task<AdminToolIndexSnapshot> BuildAsync(long version, long revision, long changes, CancellationToken cancellationToken)
    {
        var snapshot = await registry.Store.LoadAsync(cancellationToken).ConfigureAwait(false);
        var stored = new Dictionary<string, StoredTool>(snapshot.Tools.Count, StringComparer.Ordinal);
        foreach (var t in snapshot.Tools)
        {
            stored[t.Name] = t;
        }

        var byName = new Dictionary<string, AdminToolEntry>(StringComparer.Ordinal);
        var servedStored = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tool in catalog.Current.Tools)
        {
            string? storedName = null;
            DateTimeOffset? updated = null;
            if (tool.Source.StartsWith("openapi:", StringComparison.Ordinal))
            {
                storedName = registry.StoredName(tool.Name);
                if (stored.TryGetValue(storedName, out var row))
                {
                    updated = row.UpdatedAt;
                    servedStored.Add(storedName);
                }
            }

            byName[tool.Name] = Entry(tool.Name, storedName, tool, Active, updated);
        }

        foreach (var row in snapshot.Tools)
        {
            if (servedStored.Contains(row.Name) || byName.ContainsKey(row.Name))
            {
                continue;
            }

            var definition = OverlayApplier.Apply(row) ?? row.Definition with { Version = OverlayApplier.VersionText(row.CurrentVersion) };
            byName[row.Name] = Entry(row.Name, row.Name, definition, Hidden, row.UpdatedAt);
        }

        if (staging is not null)
        {
            foreach (var tool in await staging.StagedToolsAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!byName.ContainsKey(tool.Name))
                {
                    byName[tool.Name] = Entry(tool.Name, tool.Name, tool, Staged, null);
                }
            }
        }

        var entries = byName.Values.OrderBy(e => e.Name, StringComparer.Ordinal).ToArray();
        return new AdminToolIndexSnapshot(version, revision, changes, entries, byName);
    }

    private static AdminToolEntry Entry(string name, string? storedName, ToolDefinition tool, string state, DateTimeOffset? updated)
    {
        var search = string.Concat(name, "\n", tool.Title, "\n", tool.Description).ToLowerInvariant();
        var summary = new AdminToolSummaryResponse(
            name, tool.Title, tool.Domain, tool.RiskLevel.ToWire(), tool.Source, state, tool.Version, tool.ContentHash, tool.Http?.Method, tool.Http?.PathTemplate, updated is { } u ? AdminHttp.Time(u) : null);
        var json = new PreSerializedJson(JsonSerializer.SerializeToUtf8Bytes(summary, RegistryApiJsonContext.Default.AdminToolSummaryResponse));
        return new AdminToolEntry(name, storedName, tool, state, updated, search, summary, json);
    }
}

/// <summary>What the admin tool index needs from four-eyes staging: a revision that moves with the pending changes, and the tools they would add.</summary>
internal interface IChangeStagingView
{
    /// <summary>Gets a number that changes whenever a change is staged or decided.</summary>
    long Revision { get; }

    /// <summary>Returns the tools that pending changes would add.</summary>
    ValueTask<IReadOnlyList<ToolDefinition>> StagedToolsAsync(CancellationToken cancellationToken);
}
