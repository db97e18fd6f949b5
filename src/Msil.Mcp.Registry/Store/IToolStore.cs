using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.Curation;

namespace Msil.Mcp.Registry.Store;

/// <summary>
/// The versioned tool store: tables <c>tools</c>, <c>tool_versions</c>, <c>tool_imports</c> and <c>tool_overrides</c>.
/// Every write runs in one transaction under a store-wide lock and moves the store's revision on by one.
/// </summary>
internal interface IToolStore
{
    /// <summary>Gets the store's kind, for logs and health (<c>sqlite</c>, <c>postgresql</c>).</summary>
    string Kind { get; }

    /// <summary>Gets a text that names this store's data (file path, or host, database and schema), never a secret.</summary>
    string Fingerprint { get; }

    /// <summary>Creates or migrates the schema; idempotent and safe when several instances start together.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Returns the revision: a number that grows with every write.</summary>
    Task<long> GetRevisionAsync(CancellationToken cancellationToken);

    /// <summary>Loads every tool that is not retired, at its current version, with its override.</summary>
    Task<StoreSnapshot> LoadAsync(CancellationToken cancellationToken);

    /// <summary>Plans an import and, unless it is a dry run, applies it.</summary>
    Task<ImportResult> ImportAsync(ImportRequest request, CancellationToken cancellationToken);

    /// <summary>Returns a tool (retired ones too) with all its versions, or <see langword="null"/>.</summary>
    Task<ToolHistory?> GetToolAsync(string name, CancellationToken cancellationToken);

    /// <summary>Returns the compiled definition of one stored version of a tool, or <see langword="null"/> when there is none.</summary>
    Task<ToolDefinition?> GetVersionAsync(string name, int version, CancellationToken cancellationToken);

    /// <summary>Returns the import history, newest first.</summary>
    Task<IReadOnlyList<ImportRecordInfo>> GetImportsAsync(int offset, int limit, CancellationToken cancellationToken);

    /// <summary>Sets (replaces) a tool's curation override.</summary>
    Task<StoreWriteResult> SetOverrideAsync(string name, ToolOverride value, string actor, CancellationToken cancellationToken);

    /// <summary>Removes a tool's curation override.</summary>
    Task<StoreWriteResult> DeleteOverrideAsync(string name, string actor, CancellationToken cancellationToken);

    /// <summary>
    /// Makes <paramref name="version"/> the tool's current version. Rolling back to an earlier version pins the tool there
    /// (imports keep storing new versions but do not serve them); rolling back to the latest version unpins it.
    /// </summary>
    Task<StoreWriteResult> RollbackAsync(string name, int version, string actor, CancellationToken cancellationToken);

    /// <summary>Stores a change held for a second approval (four-eyes); the store's revision does not move.</summary>
    Task StageChangeAsync(StagedChange change, CancellationToken cancellationToken);

    /// <summary>Returns staged changes, newest first, in one state (or all), with how many there are in all.</summary>
    Task<(IReadOnlyList<StagedChange> Items, int Total)> GetChangesAsync(string? state, int offset, int limit, CancellationToken cancellationToken);

    /// <summary>Returns one staged change, or <see langword="null"/>.</summary>
    Task<StagedChange?> GetChangeAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Approves a pending change and applies it, in one transaction with the checks: the approver is not the requester,
    /// and the store's revision is still the one the change was planned against (else the change becomes stale).
    /// </summary>
    Task<ChangeDecision> ApproveChangeAsync(string id, string approver, CancellationToken cancellationToken);

    /// <summary>Rejects a pending change.</summary>
    Task<ChangeDecision> RejectChangeAsync(string id, string decider, CancellationToken cancellationToken);
}
