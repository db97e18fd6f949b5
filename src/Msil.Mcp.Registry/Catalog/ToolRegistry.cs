using System.Text.Json;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Registry.Curation;
using Msil.Mcp.Registry.OpenApi;
using Msil.Mcp.Registry.Store;

namespace Msil.Mcp.Registry.Catalog;

/// <summary>A served tool and the name it is stored under (they differ when an override renames it).</summary>
internal sealed record CachedTool(string StoredName, ToolDefinition Tool);

/// <summary>The served catalog of one store revision, as cached in HybridCache.</summary>
internal sealed record CachedCatalog(long Revision, List<CachedTool> Tools, int Disabled);

/// <summary>Why an import was refused before anything was stored.</summary>
internal enum ImportRefusal
{
    /// <summary>Not refused.</summary>
    None,

    /// <summary>The document could not be read.</summary>
    Unreadable,

    /// <summary>The document has more operations than <see cref="ToolRegistryOptions.MaxToolsPerImport"/>.</summary>
    TooManyOperations,

    /// <summary>A tool name is used by another source.</summary>
    Conflict,
}

/// <summary>What a registry write's audit record adds: the served names before and after, and the elevation grant used.</summary>
/// <param name="Text">The names (and why the write was privileged), for the record's detail.</param>
/// <param name="ElevationReference">The approval reference of the grant used, if the write needed one.</param>
internal sealed record CurationNote(string? Text, string? ElevationReference);

/// <summary>The outcome of an import through the registry.</summary>
internal sealed record ImportOutcome(ImportRefusal Refusal, string? Problem, OpenApiCompilation Compilation, ImportResult? Result);

/// <summary>
/// The registry at run time: keeps the catalog (<see cref="IToolCatalogWriter"/>) equal to the store with every curation
/// override applied, and runs imports, overrides and rollbacks: store, reload, tell the other instances, audit.
/// </summary>
internal sealed class ToolRegistry(
    IToolStore store,
    IToolCatalog catalog,
    IToolCatalogWriter writer,
    IAuditSink audit,
    RegistryChangeBus bus,
    IOptions<ToolRegistryOptions> options,
    TimeProvider time,
    ILogger<ToolRegistry> logger,
    HybridCache? cache = null,
    RegistryTelemetry? telemetry = null) : IDisposable, Api.IChangeStagingView
{
    private readonly SemaphoreSlim _reloadLock = new(1, 1);
    private Dictionary<string, ToolDefinition> _sourceTools = new(StringComparer.Ordinal);
    private Dictionary<string, string> _storedNameByServed = new(StringComparer.Ordinal);
    private HashSet<string> _sources = new(StringComparer.Ordinal);
    private long _revision = -1;
    private long _changeRevision;
    private long _storeLoads;
    private ChunkedCatalogCache? _sharedCatalog;

    public void Dispose() => _reloadLock.Dispose();

    /// <summary>Gets the store.</summary>
    public IToolStore Store => store;

    /// <summary>Gets how many times the served catalog was built from the store (not read from the shared cache).</summary>
    internal long StoreLoads => Interlocked.Read(ref _storeLoads);

    /// <summary>Gets the store revision the catalog shows.</summary>
    public long Revision => Volatile.Read(ref _revision);

    /// <summary>Returns the stored name of a tool served as <paramref name="name"/> (or <paramref name="name"/> itself).</summary>
    public string StoredName(string name) => Volatile.Read(ref _storedNameByServed).GetValueOrDefault(name, name);

    /// <summary>Returns the served name of a stored tool, if it is served.</summary>
    public string? ServedName(string storedName)
    {
        foreach (var (served, stored) in Volatile.Read(ref _storedNameByServed))
        {
            if (stored == storedName)
            {
                return served;
            }
        }

        return null;
    }

    /// <summary>Reloads the catalog when the store's revision is newer than the one shown (or always, when forced).</summary>
    public async Task ReloadAsync(bool force, CancellationToken cancellationToken)
    {
        await _reloadLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var revision = await store.GetRevisionAsync(cancellationToken).ConfigureAwait(false);
            if (!force && revision <= _revision)
            {
                return;
            }

            var served = await LoadAsync(revision, cancellationToken).ConfigureAwait(false);
            Publish(served);
        }
        finally
        {
            _reloadLock.Release();
        }
    }

    /// <summary>Compiles nothing: stores an already compiled document (or plans it, for a dry run).</summary>
    /// <remarks>
    /// With <c>deferredAudit</c> the audit record is added to that list instead of written (imports at start, before the
    /// audit sink's own background services run; the caller writes them once the host has started).
    /// </remarks>
    public async Task<ImportOutcome> ImportAsync(string source, OpenApiCompilation compilation, string documentHash, bool dryRun, CallerIdentity caller, string correlationId, CancellationToken cancellationToken, List<AuditRecord>? deferredAudit = null, CurationNote? note = null)
    {
        var actor = caller.UserId;
        using var activity = RegistryTelemetry.StartImport(dryRun);
        ImportOutcome outcome;
        if (!compilation.Succeeded)
        {
            var first = compilation.Diagnostics.FirstOrDefault(d => d.Severity == CompileSeverity.Error);
            outcome = new ImportOutcome(ImportRefusal.Unreadable, first?.Message ?? "The document cannot be read as OpenAPI.", compilation, null);
        }
        else if (compilation.SelectedOperationCount > options.Value.MaxToolsPerImport)
        {
            outcome = new ImportOutcome(ImportRefusal.TooManyOperations, $"The document has {compilation.SelectedOperationCount} operations{(compilation.Selection is null ? string.Empty : " selected")}; one import takes at most {options.Value.MaxToolsPerImport} (Msil:Mcp:Registry:MaxToolsPerImport). Split the document{(compilation.Selection is null ? string.Empty : " or select fewer operations (Sources:N:Select)")}.", compilation, null);
        }
        else
        {
            var result = await store.ImportAsync(new ImportRequest("openapi:" + source, compilation.Tools, actor, documentHash, compilation.SpecVersion, dryRun), cancellationToken).ConfigureAwait(false);
            if (result.Plan.HasConflicts)
            {
                var names = string.Join(", ", result.Plan.Changes.Where(c => c.Kind == ToolChangeKind.Conflict).Select(c => $"'{c.Name}' ({c.Reason})"));
                outcome = new ImportOutcome(ImportRefusal.Conflict, "Tool names are taken by other sources: " + names + ". Rename the operations or import under the other source's name.", compilation, result);
            }
            else
            {
                outcome = new ImportOutcome(ImportRefusal.None, null, compilation, result);
                if (!dryRun)
                {
                    var p = result.Plan;
                    Log.Imported(logger, source, actor, p.Count(ToolChangeKind.Added), p.Count(ToolChangeKind.Changed), p.Count(ToolChangeKind.Removed), p.Count(ToolChangeKind.Unchanged), result.Revision);
                    await AfterWriteAsync(result.Revision, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        telemetry?.Imported(activity, outcome.Refusal, dryRun, compilation.Tools.Count);
        var detail = outcome.Refusal == ImportRefusal.None
            ? $"source openapi:{source}{(dryRun ? " (dry run)" : string.Empty)}: {outcome.Result!.Plan.Count(ToolChangeKind.Added)} added, {outcome.Result.Plan.Count(ToolChangeKind.Changed)} changed, {outcome.Result.Plan.Count(ToolChangeKind.Removed)} removed, {outcome.Result.Plan.Count(ToolChangeKind.Unchanged)} unchanged; document sha256 {documentHash}"
            : $"source openapi:{source}{(dryRun ? " (dry run)" : string.Empty)} refused: {outcome.Problem}";
        var record = Record(AuditActions.Import, outcome.Refusal == ImportRefusal.None ? AuditOutcomes.Success : AuditOutcomes.Failed, caller, null, Append(detail, note), correlationId, note?.ElevationReference);
        if (deferredAudit is not null)
        {
            deferredAudit.Add(record);
        }
        else
        {
            await audit.WriteAsync(record, cancellationToken).ConfigureAwait(false);
        }

        return outcome;
    }

    public async Task<StoreWriteResult> SetOverrideAsync(string storedName, ToolOverride value, CallerIdentity caller, string correlationId, CurationNote? note, CancellationToken cancellationToken)
    {
        var result = await store.SetOverrideAsync(storedName, value, caller.UserId, cancellationToken).ConfigureAwait(false);
        await AfterCurationAsync(AuditActions.RegistryOverride, "override set", storedName, result, caller, correlationId, "override " + value.ToJson(), note, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public async Task<StoreWriteResult> DeleteOverrideAsync(string storedName, CallerIdentity caller, string correlationId, CurationNote? note, CancellationToken cancellationToken)
    {
        var result = await store.DeleteOverrideAsync(storedName, caller.UserId, cancellationToken).ConfigureAwait(false);
        await AfterCurationAsync(AuditActions.RegistryOverride, "override removed", storedName, result, caller, correlationId, "override removed", note, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public async Task<StoreWriteResult> RollbackAsync(string storedName, int version, CallerIdentity caller, string correlationId, CurationNote? note, CancellationToken cancellationToken)
    {
        var result = await store.RollbackAsync(storedName, version, caller.UserId, cancellationToken).ConfigureAwait(false);
        await AfterCurationAsync(AuditActions.RegistryRollback, $"rolled to version {version}", storedName, result, caller, correlationId, $"to version {version}{(result.Detail == "pinned" ? " (pinned)" : string.Empty)}", note, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>Gets a number that moves whenever this instance stages or decides a change (the admin tool index watches it).</summary>
    long Api.IChangeStagingView.Revision => Volatile.Read(ref _changeRevision);

    /// <summary>Returns the tools pending imports would add, for the admin tool list's <c>staged</c> state.</summary>
    async ValueTask<IReadOnlyList<ToolDefinition>> Api.IChangeStagingView.StagedToolsAsync(CancellationToken cancellationToken)
    {
        var (pending, _) = await store.GetChangesAsync(ChangeStates.Pending, 0, 200, cancellationToken).ConfigureAwait(false);
        var tools = new List<ToolDefinition>();
        foreach (var change in pending.Where(c => c.Kind == ChangeKinds.Import))
        {
            using var payload = JsonDocument.Parse(change.Payload);
            if (payload.RootElement.TryGetProperty("tools", out var list))
            {
                tools.AddRange(JsonSerializer.Deserialize(list.GetRawText(), RegistryJsonContext.Default.ListToolDefinition) ?? []);
            }
        }

        return tools;
    }

    /// <summary>Holds a write for a second admin's approval and audits the request (<c>registry.change.request</c>).</summary>
    public async Task StageAsync(StagedChange change, CallerIdentity caller, string correlationId, CancellationToken cancellationToken)
    {
        await store.StageChangeAsync(change, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _changeRevision);
        Log.ChangeStaged(logger, change.Id, change.Kind, caller.UserId);
        await audit.WriteAsync(Record(ChangeAuditActions.Request, AuditOutcomes.Success, caller, change.Tool, $"change {change.Id} ({change.Kind}) staged for a second approval: {change.Summary}", correlationId, change.ElevationReference), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Approves and applies a staged change (not the requester's own; not when the store moved); audits the decision.</summary>
    public async Task<ChangeDecision> ApproveAsync(string id, CallerIdentity caller, string correlationId, CancellationToken cancellationToken)
    {
        var decision = await store.ApproveChangeAsync(id, caller.UserId, cancellationToken).ConfigureAwait(false);
        var change = decision.Change;
        var (outcome, detail) = decision.Status switch
        {
            ChangeDecisionStatus.Done => (AuditOutcomes.Success, $"change {id} ({change!.Kind}) requested by {change.RequestedBy} approved and applied: {change.Summary}; {decision.Detail}"),
            ChangeDecisionStatus.SelfApproval => (AuditOutcomes.Denied, $"refused (409): {caller.UserId} requested change {id} and may not approve it"),
            ChangeDecisionStatus.Stale => (AuditOutcomes.Failed, $"change {id} is stale: the registry moved from revision {change!.BaseRevision} to {decision.Revision} since it was requested; not applied"),
            ChangeDecisionStatus.NotPending => (AuditOutcomes.Failed, $"change {id} is already {change!.State}"),
            ChangeDecisionStatus.Failed => (AuditOutcomes.Failed, $"change {id} could not be applied: {decision.Detail}"),
            _ => (AuditOutcomes.Failed, $"no change {CallerText.Bound(id, 64)}"),
        };
        Interlocked.Increment(ref _changeRevision);

        if (decision.Status == ChangeDecisionStatus.Done)
        {
            Log.ChangeDecided(logger, id, ChangeStates.Approved, caller.UserId);
            await AfterWriteAsync(decision.Revision, cancellationToken).ConfigureAwait(false);
            var action = change!.Kind switch
            {
                ChangeKinds.Import => AuditActions.Import,
                ChangeKinds.Rollback => AuditActions.RegistryRollback,
                _ => AuditActions.RegistryOverride,
            };
            await audit.WriteAsync(Record(action, AuditOutcomes.Success, caller, change.Tool, $"{change.Summary}; applied by approval of change {id} (requested by {change.RequestedBy}); {decision.Detail}", correlationId, change.ElevationReference), cancellationToken).ConfigureAwait(false);
        }

        await audit.WriteAsync(Record(ChangeAuditActions.Approve, outcome, caller, change?.Tool, detail, correlationId, change?.ElevationReference), cancellationToken).ConfigureAwait(false);
        return decision;
    }

    /// <summary>Rejects a staged change; audits the decision.</summary>
    public async Task<ChangeDecision> RejectAsync(string id, CallerIdentity caller, string correlationId, CancellationToken cancellationToken)
    {
        var decision = await store.RejectChangeAsync(id, caller.UserId, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _changeRevision);
        var change = decision.Change;
        var (outcome, detail) = decision.Status switch
        {
            ChangeDecisionStatus.Done => (AuditOutcomes.Success, $"change {id} ({change!.Kind}) requested by {change.RequestedBy} rejected: {change.Summary}"),
            ChangeDecisionStatus.NotPending => (AuditOutcomes.Failed, $"change {id} is already {change!.State}"),
            _ => (AuditOutcomes.Failed, $"no change {CallerText.Bound(id, 64)}"),
        };
        if (decision.Status == ChangeDecisionStatus.Done)
        {
            Log.ChangeDecided(logger, id, ChangeStates.Rejected, caller.UserId);
        }

        await audit.WriteAsync(Record(ChangeAuditActions.Reject, outcome, caller, change?.Tool, detail, correlationId, null), cancellationToken).ConfigureAwait(false);
        return decision;
    }

    /// <summary>Audits a refused registry request (not an admin, not signed in, or no elevation for a privileged write); fields are bounded.</summary>
    public ValueTask AuditRefusedAsync(string action, string outcome, CallerIdentity caller, string? tool, string detail, string correlationId, CancellationToken cancellationToken)
        => audit.WriteAsync(Record(action, outcome, caller, tool is { Length: > 128 } ? tool[..128] : tool, detail, correlationId, null), cancellationToken);

    private async Task AfterCurationAsync(string action, string what, string storedName, StoreWriteResult result, CallerIdentity caller, string correlationId, string detail, CurationNote? note, CancellationToken cancellationToken)
    {
        if (result.Status == StoreWriteStatus.Done)
        {
            Log.Curated(logger, storedName, what, caller.UserId, result.Revision);
            await AfterWriteAsync(result.Revision, cancellationToken).ConfigureAwait(false);
        }

        var outcome = result.Status == StoreWriteStatus.Done ? AuditOutcomes.Success : AuditOutcomes.Failed;
        var text = result.Status == StoreWriteStatus.Done ? detail : $"{detail} refused: {result.Status}{(result.Detail is null ? string.Empty : " (" + result.Detail + ")")}";
        await audit.WriteAsync(Record(action, outcome, caller, storedName, Append(text, note), correlationId, note?.ElevationReference), cancellationToken).ConfigureAwait(false);
    }

    private static string Append(string detail, CurationNote? note) => note?.Text is { Length: > 0 } text ? detail + "; " + text : detail;

    private async Task AfterWriteAsync(long revision, CancellationToken cancellationToken)
    {
        await ReloadAsync(force: false, cancellationToken).ConfigureAwait(false);
        await bus.PublishAsync(store.Fingerprint, revision, cancellationToken).ConfigureAwait(false);
    }

    private AuditRecord Record(string action, string outcome, CallerIdentity caller, string? tool, string detail, string correlationId, string? elevationReference) => new()
    {
        Id = Guid.NewGuid().ToString("N"),
        Timestamp = time.GetUtcNow(),
        Action = action,
        Outcome = outcome,
        CorrelationId = correlationId,
        UserId = caller.UserId,
        Subject = caller.Subject,
        ObjectId = caller.ObjectId,
        PreferredUsername = caller.PreferredUsername,
        Actor = caller.Actor,
        ToolName = tool,
        ElevationReference = elevationReference,
        Detail = detail.Length > 1024 ? detail[..1024] : detail,
    };

    private async Task<CachedCatalog> LoadAsync(long revision, CancellationToken cancellationToken)
    {
        if (cache is null)
        {
            return await BuildAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            // One manifest and chunks per revision (ChunkedCatalogCache): a real catalog is over HybridCache's 1 MiB
            // entry limit. A build that raced a write may carry a newer revision than the key: the rows are what count.
            _sharedCatalog ??= new ChunkedCatalogCache(cache, options.Value.CatalogCacheChunkBytes, logger, telemetry);
            return await _sharedCatalog.GetOrBuildAsync($"msil:tools:{store.Fingerprint}:{revision}", BuildAsync, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.CacheFailed(logger, ex);
            return await BuildAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<CachedCatalog> BuildAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _storeLoads);
        var snapshot = await store.LoadAsync(cancellationToken).ConfigureAwait(false);
        var tools = new List<CachedTool>(snapshot.Tools.Count);
        var disabled = 0;
        foreach (var stored in snapshot.Tools)
        {
            var served = OverlayApplier.Apply(stored);
            if (served is null)
            {
                disabled++;
                continue;
            }

            tools.Add(new CachedTool(stored.Name, served));
        }

        return new CachedCatalog(snapshot.Revision, tools, disabled);
    }

    private void Publish(CachedCatalog served)
    {
        // Names other sources (tools in code, other registries) already hold win; duplicates inside the store keep the first.
        var registrySources = _sources;
        var foreign = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var t in catalog.Current.Tools)
        {
            if (!registrySources.Contains(t.Source) && !t.Source.StartsWith("openapi:", StringComparison.Ordinal))
            {
                foreign[t.Name] = t.Source;
            }
        }

        var bySource = new Dictionary<string, List<ToolDefinition>>(StringComparer.Ordinal);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var byName = new Dictionary<string, ToolDefinition>(StringComparer.Ordinal);
        foreach (var (storedName, tool) in served.Tools)
        {
            if (foreign.TryGetValue(tool.Name, out var other))
            {
                Log.ToolSkipped(logger, tool.Name, $"the name is used by source '{other}'");
                continue;
            }

            if (!names.TryAdd(tool.Name, storedName))
            {
                Log.ToolSkipped(logger, storedName, $"it is renamed to '{tool.Name}', which tool '{names[tool.Name]}' already has");
                continue;
            }

            byName[tool.Name] = tool;
            if (!bySource.TryGetValue(tool.Source, out var list))
            {
                bySource[tool.Source] = list = [];
            }

            list.Add(tool);
        }

        var previous = _sourceTools;
        foreach (var source in _sources.Where(s => !bySource.ContainsKey(s)))
        {
            writer.ReplaceSource(source, []);
        }

        // Sources whose tools are all unchanged are left alone, so sessions hear list_changed only for real changes.
        foreach (var (source, tools) in bySource)
        {
            var same = _sources.Contains(source)
                && previous.Values.Count(t => t.Source == source) == tools.Count
                && tools.All(t => previous.TryGetValue(t.Name, out var p) && p.ContentHash == t.ContentHash && p.Version == t.Version && p.Source == source);
            if (!same)
            {
                writer.ReplaceSource(source, tools);
            }
        }

        _sources = [.. bySource.Keys];
        Volatile.Write(ref _sourceTools, byName);
        Volatile.Write(ref _storedNameByServed, names);
        Volatile.Write(ref _revision, served.Revision);
        Log.CatalogLoaded(logger, served.Revision, byName.Count, served.Disabled);
    }
}
