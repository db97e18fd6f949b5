using System.Data.Common;
using System.Text.Json;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.Curation;

namespace Msil.Mcp.Registry.Store;

/// <summary>
/// The store on ADO.NET, shared by SQLite and PostgreSQL: the SQL is the same, the dialect supplies connections, table
/// names, column types and the write lock (an advisory transaction lock on PostgreSQL, <c>BEGIN IMMEDIATE</c> on SQLite).
/// Definitions are stored as JSON text; the store's revision lives in <c>registry_meta</c>.
/// </summary>
internal abstract class SqlToolStore(TimeProvider time) : IToolStore
{
    /// <summary>The schema version this code writes.</summary>
    public const int SchemaVersion = 1;

    public abstract string Kind { get; }

    public abstract string Fingerprint { get; }

    protected TimeProvider Time { get; } = time;

    /// <summary>Returns the quoted, qualified name of a table.</summary>
    protected abstract string Table(string name);

    /// <summary>Opens a connection.</summary>
    protected abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Begins a write transaction holding the store-wide write lock.</summary>
    protected abstract ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Begins a read-only transaction that sees one consistent state.</summary>
    protected abstract ValueTask<DbTransaction> BeginReadAsync(DbConnection connection, CancellationToken cancellationToken);

    public abstract Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>The DDL of version 1 (idempotent).</summary>
    protected string CreateTablesSql(string identity, string timestamp) => $"""
        CREATE TABLE IF NOT EXISTS {Table("registry_meta")} (
          key   TEXT NOT NULL PRIMARY KEY,
          value TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS {Table("tool_imports")} (
          id            {identity},
          source        TEXT NOT NULL,
          actor         TEXT NOT NULL,
          imported_at   {timestamp} NOT NULL,
          document_hash TEXT NOT NULL,
          spec_version  TEXT,
          added         INTEGER NOT NULL,
          changed       INTEGER NOT NULL,
          removed       INTEGER NOT NULL,
          unchanged     INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS {Table("tools")} (
          name            TEXT NOT NULL PRIMARY KEY,
          source          TEXT NOT NULL,
          current_version INTEGER NOT NULL,
          latest_version  INTEGER NOT NULL,
          retired         INTEGER NOT NULL DEFAULT 0,
          pinned          INTEGER NOT NULL DEFAULT 0,
          updated_at      {timestamp} NOT NULL
        );
        CREATE INDEX IF NOT EXISTS tools_source_idx ON {Table("tools")} (source);
        CREATE TABLE IF NOT EXISTS {Table("tool_versions")} (
          name         TEXT NOT NULL,
          version      INTEGER NOT NULL,
          content_hash TEXT NOT NULL,
          definition   TEXT NOT NULL,
          import_id    BIGINT,
          created_at   {timestamp} NOT NULL,
          PRIMARY KEY (name, version)
        );
        CREATE TABLE IF NOT EXISTS {Table("tool_overrides")} (
          name       TEXT NOT NULL PRIMARY KEY,
          value      TEXT NOT NULL,
          actor      TEXT NOT NULL,
          updated_at {timestamp} NOT NULL
        );
        CREATE TABLE IF NOT EXISTS {Table("registry_changes")} (
          id            TEXT NOT NULL PRIMARY KEY,
          kind          TEXT NOT NULL,
          tool          TEXT,
          source        TEXT,
          summary       TEXT NOT NULL,
          payload       TEXT NOT NULL,
          diff          TEXT NOT NULL,
          base_revision BIGINT NOT NULL,
          requested_by  TEXT NOT NULL,
          requested_at  {timestamp} NOT NULL,
          state         TEXT NOT NULL,
          decided_by    TEXT,
          decided_at    {timestamp},
          elevation_ref TEXT
        );
        CREATE INDEX IF NOT EXISTS registry_changes_state_idx ON {Table("registry_changes")} (state, requested_at);
        INSERT INTO {Table("registry_meta")} (key, value) VALUES ('schema_version', '{SchemaVersion}') ON CONFLICT (key) DO NOTHING;
        INSERT INTO {Table("registry_meta")} (key, value) VALUES ('revision', '0') ON CONFLICT (key) DO NOTHING;
        """;

    /// <summary>Checks the stored schema version after creation: a newer one means newer code wrote it.</summary>
    protected async Task CheckSchemaVersionAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var text = (string?)await ScalarAsync(connection, transaction, $"SELECT value FROM {Table("registry_meta")} WHERE key = 'schema_version'", cancellationToken).ConfigureAwait(false);
        if (!int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var version) || version > SchemaVersion)
        {
            throw new InvalidOperationException($"The tool store's schema version is {text}, newer than this code's {SchemaVersion}: upgrade Msil.Mcp.Registry on every instance, or point Msil:Mcp:Registry at another store.");
        }
    }

    public async Task<long> GetRevisionAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await RevisionAsync(connection, null, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<StoreSnapshot> LoadAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // One transaction so the revision and the rows agree (repeatable on PostgreSQL, a snapshot on SQLite).
            var transaction = await BeginReadAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var revision = await RevisionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                var tools = await ReadToolsAsync(connection, transaction, "t.retired = 0", null, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return new StoreSnapshot(revision, tools);
            }
        }
    }

    public async Task<ToolHistory?> GetToolAsync(string name, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var tools = await ReadToolsAsync(connection, null, "t.name = @name", name, cancellationToken).ConfigureAwait(false);
            if (tools.Count == 0)
            {
                return null;
            }

            var command = Command(connection, null, $"SELECT version, content_hash, created_at, import_id FROM {Table("tool_versions")} WHERE name = @name ORDER BY version DESC");
            await using (command.ConfigureAwait(false))
            {
                Add(command, "name", name);
                var versions = new List<StoredToolVersion>();
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        versions.Add(new StoredToolVersion(reader.GetInt32(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.IsDBNull(3) ? null : reader.GetInt64(3)));
                    }
                }

                return new ToolHistory(tools[0], versions);
            }
        }
    }

    public async Task<ToolDefinition?> GetVersionAsync(string name, int version, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var text = await ScalarAsync(connection, null, $"SELECT definition FROM {Table("tool_versions")} WHERE name = @name AND version = @version", cancellationToken, ("name", name), ("version", version)).ConfigureAwait(false);
            return text is string json ? Deserialize(json) : null;
        }
    }

    public async Task<IReadOnlyList<ImportRecordInfo>> GetImportsAsync(int offset, int limit, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var command = Command(connection, null, $"SELECT id, source, actor, imported_at, document_hash, spec_version, added, changed, removed, unchanged FROM {Table("tool_imports")} ORDER BY id DESC LIMIT @limit OFFSET @offset");
            await using (command.ConfigureAwait(false))
            {
                Add(command, "limit", limit);
                Add(command, "offset", offset);
                var list = new List<ImportRecordInfo>();
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        list.Add(new ImportRecordInfo(
                            reader.GetInt64(0),
                            reader.GetString(1),
                            reader.GetString(2),
                            reader.GetFieldValue<DateTimeOffset>(3),
                            reader.GetString(4),
                            reader.IsDBNull(5) ? null : reader.GetString(5),
                            reader.GetInt32(6),
                            reader.GetInt32(7),
                            reader.GetInt32(8),
                            reader.GetInt32(9)));
                    }
                }

                return list;
            }
        }
    }

    public async Task<ImportResult> ImportAsync(ImportRequest request, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            if (request.DryRun)
            {
                var existing = await ReadExistingAsync(connection, null, cancellationToken).ConfigureAwait(false);
                var revision = await RevisionAsync(connection, null, cancellationToken).ConfigureAwait(false);
                return new ImportResult(ImportPlanner.Plan(request.Source, request.Tools, existing), null, revision);
            }

            var transaction = await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var result = await ImportCoreAsync(connection, transaction, request, cancellationToken).ConfigureAwait(false);
                if (result.ImportId is null)
                {
                    await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    return result;
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return result;
            }
        }
    }

    /// <summary>Plans and applies an import inside <paramref name="transaction"/>; with conflicts nothing is written and the import id is null.</summary>
    private async Task<ImportResult> ImportCoreAsync(DbConnection connection, DbTransaction transaction, ImportRequest request, CancellationToken cancellationToken)
    {
        var existing = await ReadExistingAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var plan = ImportPlanner.Plan(request.Source, request.Tools, existing);
        if (plan.HasConflicts)
        {
            return new ImportResult(plan, null, await RevisionAsync(connection, transaction, cancellationToken).ConfigureAwait(false));
        }

        var now = Time.GetUtcNow();
        long importId;
        var insert = Command(connection, transaction, $"INSERT INTO {Table("tool_imports")} (source, actor, imported_at, document_hash, spec_version, added, changed, removed, unchanged) VALUES (@source, @actor, @at, @hash, @spec, @added, @changed, @removed, @unchanged) RETURNING id");
        await using (insert.ConfigureAwait(false))
        {
            Add(insert, "source", request.Source);
            Add(insert, "actor", request.Actor);
            Add(insert, "at", now);
            Add(insert, "hash", request.DocumentHash);
            Add(insert, "spec", request.SpecVersion);
            Add(insert, "added", plan.Count(ToolChangeKind.Added));
            Add(insert, "changed", plan.Count(ToolChangeKind.Changed));
            Add(insert, "removed", plan.Count(ToolChangeKind.Removed));
            Add(insert, "unchanged", plan.Count(ToolChangeKind.Unchanged));
            importId = Convert.ToInt64(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach (var change in plan.Changes)
        {
            await ApplyAsync(connection, transaction, request.Source, change, existing.GetValueOrDefault(change.Name), importId, now, cancellationToken).ConfigureAwait(false);
        }

        var next = await BumpRevisionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        return new ImportResult(plan, importId, next);
    }

    public async Task<StoreWriteResult> SetOverrideAsync(string name, ToolOverride value, string actor, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var result = await SetOverrideCoreAsync(connection, transaction, name, value, actor, cancellationToken).ConfigureAwait(false);
                if (result.Status == StoreWriteStatus.Done)
                {
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }

                return result;
            }
        }
    }

    private async Task<StoreWriteResult> SetOverrideCoreAsync(DbConnection connection, DbTransaction transaction, string name, ToolOverride value, string actor, CancellationToken cancellationToken)
    {
        if (!await ExistsAsync(connection, transaction, name, cancellationToken).ConfigureAwait(false))
        {
            return new StoreWriteResult(StoreWriteStatus.NotFound, 0);
        }

        if (value.Name is { } rename && !string.Equals(rename, name, StringComparison.Ordinal))
        {
            var taken = await NameTakenByAsync(connection, transaction, rename, name, cancellationToken).ConfigureAwait(false);
            if (taken is not null)
            {
                return new StoreWriteResult(StoreWriteStatus.Conflict, 0, $"the name '{rename}' is already used by tool '{taken}'");
            }
        }

        var upsert = Command(connection, transaction, $"INSERT INTO {Table("tool_overrides")} (name, value, actor, updated_at) VALUES (@name, @value, @actor, @at) ON CONFLICT (name) DO UPDATE SET value = excluded.value, actor = excluded.actor, updated_at = excluded.updated_at");
        await using (upsert.ConfigureAwait(false))
        {
            Add(upsert, "name", name);
            Add(upsert, "value", value.ToJson());
            Add(upsert, "actor", actor);
            Add(upsert, "at", Time.GetUtcNow());
            await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var revision = await BumpRevisionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        return new StoreWriteResult(StoreWriteStatus.Done, revision);
    }

    public async Task<StoreWriteResult> DeleteOverrideAsync(string name, string actor, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var result = await DeleteOverrideCoreAsync(connection, transaction, name, cancellationToken).ConfigureAwait(false);
                if (result.Status == StoreWriteStatus.Done)
                {
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }

                return result;
            }
        }
    }

    private async Task<StoreWriteResult> DeleteOverrideCoreAsync(DbConnection connection, DbTransaction transaction, string name, CancellationToken cancellationToken)
    {
        var delete = Command(connection, transaction, $"DELETE FROM {Table("tool_overrides")} WHERE name = @name");
        int rows;
        await using (delete.ConfigureAwait(false))
        {
            Add(delete, "name", name);
            rows = await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (rows == 0)
        {
            return new StoreWriteResult(StoreWriteStatus.NotFound, 0);
        }

        var revision = await BumpRevisionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        return new StoreWriteResult(StoreWriteStatus.Done, revision);
    }

    public async Task<StoreWriteResult> RollbackAsync(string name, int version, string actor, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var result = await RollbackCoreAsync(connection, transaction, name, version, cancellationToken).ConfigureAwait(false);
                if (result.Status == StoreWriteStatus.Done)
                {
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }

                return result;
            }
        }
    }

    private async Task<StoreWriteResult> RollbackCoreAsync(DbConnection connection, DbTransaction transaction, string name, int version, CancellationToken cancellationToken)
    {
        var latest = await ScalarAsync(connection, transaction, $"SELECT latest_version FROM {Table("tools")} WHERE name = @name", cancellationToken, ("name", name)).ConfigureAwait(false);
        if (latest is null)
        {
            return new StoreWriteResult(StoreWriteStatus.NotFound, 0);
        }

        var exists = await ScalarAsync(connection, transaction, $"SELECT version FROM {Table("tool_versions")} WHERE name = @name AND version = @version", cancellationToken, ("name", name), ("version", version)).ConfigureAwait(false);
        if (exists is null)
        {
            return new StoreWriteResult(StoreWriteStatus.NoSuchVersion, 0, $"tool '{name}' has no version {version} (latest is {latest})");
        }

        var pinned = version < Convert.ToInt32(latest, System.Globalization.CultureInfo.InvariantCulture) ? 1 : 0;
        var update = Command(connection, transaction, $"UPDATE {Table("tools")} SET current_version = @version, pinned = @pinned, updated_at = @at WHERE name = @name");
        await using (update.ConfigureAwait(false))
        {
            Add(update, "version", version);
            Add(update, "pinned", pinned);
            Add(update, "at", Time.GetUtcNow());
            Add(update, "name", name);
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var revision = await BumpRevisionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        return new StoreWriteResult(StoreWriteStatus.Done, revision, pinned == 1 ? "pinned" : null);
    }

    public async Task StageChangeAsync(StagedChange change, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var insert = Command(connection, null, $"INSERT INTO {Table("registry_changes")} (id, kind, tool, source, summary, payload, diff, base_revision, requested_by, requested_at, state, elevation_ref) VALUES (@id, @kind, @tool, @source, @summary, @payload, @diff, @base, @by, @at, @state, @elevation)");
            await using (insert.ConfigureAwait(false))
            {
                Add(insert, "id", change.Id);
                Add(insert, "kind", change.Kind);
                Add(insert, "tool", change.Tool);
                Add(insert, "source", change.Source);
                Add(insert, "summary", change.Summary);
                Add(insert, "payload", change.Payload);
                Add(insert, "diff", change.Diff);
                Add(insert, "base", change.BaseRevision);
                Add(insert, "by", change.RequestedBy);
                Add(insert, "at", change.RequestedAt);
                Add(insert, "state", change.State);
                Add(insert, "elevation", change.ElevationReference);
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task<(IReadOnlyList<StagedChange> Items, int Total)> GetChangesAsync(string? state, int offset, int limit, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var where = state is null ? string.Empty : " WHERE state = @state";
            var count = Command(connection, null, $"SELECT count(*) FROM {Table("registry_changes")}{where}");
            int total;
            await using (count.ConfigureAwait(false))
            {
                if (state is not null)
                {
                    Add(count, "state", state);
                }

                total = Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
            }

            var command = Command(connection, null, $"SELECT {ChangeColumns} FROM {Table("registry_changes")}{where} ORDER BY requested_at DESC, id DESC LIMIT @limit OFFSET @offset");
            await using (command.ConfigureAwait(false))
            {
                if (state is not null)
                {
                    Add(command, "state", state);
                }

                Add(command, "limit", limit);
                Add(command, "offset", offset);
                return (await ReadChangesAsync(command, cancellationToken).ConfigureAwait(false), total);
            }
        }
    }

    public async Task<StagedChange?> GetChangeAsync(string id, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await ChangeAsync(connection, null, id, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<ChangeDecision> ApproveChangeAsync(string id, string approver, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // One write transaction under the store-wide lock: the checks, the apply and the state change see one state.
            var transaction = await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var change = await ChangeAsync(connection, transaction, id, cancellationToken).ConfigureAwait(false);
                var revision = await RevisionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                if (change is null)
                {
                    return new ChangeDecision(ChangeDecisionStatus.NotFound, null, revision);
                }

                if (change.State != ChangeStates.Pending)
                {
                    return new ChangeDecision(ChangeDecisionStatus.NotPending, change, revision);
                }

                if (string.Equals(change.RequestedBy, approver, StringComparison.Ordinal))
                {
                    return new ChangeDecision(ChangeDecisionStatus.SelfApproval, change, revision);
                }

                var now = Time.GetUtcNow();
                if (revision != change.BaseRevision)
                {
                    await DecideAsync(connection, transaction, id, ChangeStates.Stale, approver, now, cancellationToken).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return new ChangeDecision(ChangeDecisionStatus.Stale, change with { State = ChangeStates.Stale, DecidedBy = approver, DecidedAt = now }, revision);
                }

                var (applied, next, detail) = await ApplyChangeAsync(connection, transaction, change, cancellationToken).ConfigureAwait(false);
                if (!applied)
                {
                    await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    return new ChangeDecision(ChangeDecisionStatus.Failed, change, revision, detail);
                }

                await DecideAsync(connection, transaction, id, ChangeStates.Approved, approver, now, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return new ChangeDecision(ChangeDecisionStatus.Done, change with { State = ChangeStates.Approved, DecidedBy = approver, DecidedAt = now }, next, detail);
            }
        }
    }

    public async Task<ChangeDecision> RejectChangeAsync(string id, string decider, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var change = await ChangeAsync(connection, transaction, id, cancellationToken).ConfigureAwait(false);
                var revision = await RevisionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                if (change is null)
                {
                    return new ChangeDecision(ChangeDecisionStatus.NotFound, null, revision);
                }

                if (change.State != ChangeStates.Pending)
                {
                    return new ChangeDecision(ChangeDecisionStatus.NotPending, change, revision);
                }

                var now = Time.GetUtcNow();
                await DecideAsync(connection, transaction, id, ChangeStates.Rejected, decider, now, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return new ChangeDecision(ChangeDecisionStatus.Done, change with { State = ChangeStates.Rejected, DecidedBy = decider, DecidedAt = now }, revision);
            }
        }
    }

    private const string ChangeColumns = "id, kind, tool, source, summary, payload, diff, base_revision, requested_by, requested_at, state, decided_by, decided_at, elevation_ref";

    private async Task<StagedChange?> ChangeAsync(DbConnection connection, DbTransaction? transaction, string id, CancellationToken cancellationToken)
    {
        var command = Command(connection, transaction, $"SELECT {ChangeColumns} FROM {Table("registry_changes")} WHERE id = @id");
        await using (command.ConfigureAwait(false))
        {
            Add(command, "id", id);
            var list = await ReadChangesAsync(command, cancellationToken).ConfigureAwait(false);
            return list.Count == 0 ? null : list[0];
        }
    }

    private static async Task<List<StagedChange>> ReadChangesAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var list = new List<StagedChange>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                list.Add(new StagedChange(
                    reader.GetString(0),
                    reader.GetString(1),
                    reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.GetString(4),
                    reader.GetString(5),
                    reader.GetString(6),
                    reader.GetInt64(7),
                    reader.GetString(8),
                    reader.GetFieldValue<DateTimeOffset>(9),
                    reader.GetString(10),
                    reader.IsDBNull(11) ? null : reader.GetString(11),
                    reader.IsDBNull(12) ? null : reader.GetFieldValue<DateTimeOffset>(12),
                    reader.IsDBNull(13) ? null : reader.GetString(13)));
            }
        }

        return list;
    }

    private async Task DecideAsync(DbConnection connection, DbTransaction transaction, string id, string state, string by, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var update = Command(connection, transaction, $"UPDATE {Table("registry_changes")} SET state = @state, decided_by = @by, decided_at = @at WHERE id = @id");
        await using (update.ConfigureAwait(false))
        {
            Add(update, "state", state);
            Add(update, "by", by);
            Add(update, "at", at);
            Add(update, "id", id);
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Applies a staged change's payload inside <paramref name="transaction"/>.</summary>
    private async Task<(bool Applied, long Revision, string? Detail)> ApplyChangeAsync(DbConnection connection, DbTransaction transaction, StagedChange change, CancellationToken cancellationToken)
    {
        using var payload = JsonDocument.Parse(change.Payload);
        var root = payload.RootElement;
        switch (change.Kind)
        {
            case ChangeKinds.Import:
            {
                var tools = JsonSerializer.Deserialize(root.GetProperty("tools").GetRawText(), RegistryJsonContext.Default.ListToolDefinition) ?? [];
                var request = new ImportRequest(
                    root.GetProperty("source").GetString()!,
                    tools,
                    change.RequestedBy,
                    root.GetProperty("document_hash").GetString() ?? string.Empty,
                    root.TryGetProperty("spec_version", out var spec) && spec.ValueKind == JsonValueKind.String ? spec.GetString() : null,
                    DryRun: false);
                var result = await ImportCoreAsync(connection, transaction, request, cancellationToken).ConfigureAwait(false);
                return result.ImportId is null
                    ? (false, result.Revision, "tool names are now taken by other sources")
                    : (true, result.Revision, $"import {result.ImportId}: {result.Plan.Count(ToolChangeKind.Added)} added, {result.Plan.Count(ToolChangeKind.Changed)} changed, {result.Plan.Count(ToolChangeKind.Removed)} removed");
            }

            case ChangeKinds.Override:
            {
                var name = root.GetProperty("name").GetString()!;
                StoreWriteResult result;
                if (root.TryGetProperty("override", out var value) && value.ValueKind == JsonValueKind.Object)
                {
                    var parsed = ToolOverride.Parse(value).Value ?? throw new InvalidOperationException($"Staged change {change.Id} holds an override that no longer parses.");
                    result = await SetOverrideCoreAsync(connection, transaction, name, parsed, change.RequestedBy, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    result = await DeleteOverrideCoreAsync(connection, transaction, name, cancellationToken).ConfigureAwait(false);
                }

                return (result.Status == StoreWriteStatus.Done, result.Revision, result.Status == StoreWriteStatus.Done ? null : $"{result.Status}{(result.Detail is null ? string.Empty : ": " + result.Detail)}");
            }

            case ChangeKinds.Rollback:
            {
                var result = await RollbackCoreAsync(connection, transaction, root.GetProperty("name").GetString()!, root.GetProperty("version").GetInt32(), cancellationToken).ConfigureAwait(false);
                return (result.Status == StoreWriteStatus.Done, result.Revision, result.Status == StoreWriteStatus.Done ? result.Detail : $"{result.Status}{(result.Detail is null ? string.Empty : ": " + result.Detail)}");
            }

            default:
                return (false, 0, $"unknown change kind '{change.Kind}'");
        }
    }

    /// <summary>Serializes a compiled definition for <c>tool_versions.definition</c>.</summary>
    internal static string Serialize(ToolDefinition tool) => JsonSerializer.Serialize(tool, RegistryJsonContext.Default.ToolDefinition);

    /// <summary>Reads a stored definition.</summary>
    internal static ToolDefinition Deserialize(string json)
        => JsonSerializer.Deserialize(json, RegistryJsonContext.Default.ToolDefinition) ?? throw new InvalidOperationException("A stored tool definition is null.");

    protected static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    protected static void Add(DbCommand command, string name, object? value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        command.Parameters.Add(p);
    }

    protected static async Task<object?> ScalarAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var command = Command(connection, transaction, sql);
        await using (command.ConfigureAwait(false))
        {
            foreach (var (n, v) in parameters)
            {
                Add(command, n, v);
            }

            var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return value is DBNull ? null : value;
        }
    }

    protected static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        var command = Command(connection, transaction, sql);
        await using (command.ConfigureAwait(false))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<long> RevisionAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        var text = (string?)await ScalarAsync(connection, transaction, $"SELECT value FROM {Table("registry_meta")} WHERE key = 'revision'", cancellationToken).ConfigureAwait(false);
        return long.Parse(text ?? "0", System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<long> BumpRevisionAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var next = await RevisionAsync(connection, transaction, cancellationToken).ConfigureAwait(false) + 1;
        var command = Command(connection, transaction, $"UPDATE {Table("registry_meta")} SET value = @value WHERE key = 'revision'");
        await using (command.ConfigureAwait(false))
        {
            Add(command, "value", next.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return next;
    }

    /// <summary>Returns the tool whose stored name or override name is <paramref name="rename"/>, other than <paramref name="self"/>.</summary>
    private async Task<string?> NameTakenByAsync(DbConnection connection, DbTransaction transaction, string rename, string self, CancellationToken cancellationToken)
    {
        if (await ScalarAsync(connection, transaction, $"SELECT name FROM {Table("tools")} WHERE name = @n AND retired = 0", cancellationToken, ("n", rename)).ConfigureAwait(false) is string direct)
        {
            return direct;
        }

        var command = Command(connection, transaction, $"SELECT name, value FROM {Table("tool_overrides")} WHERE name <> @self");
        await using (command.ConfigureAwait(false))
        {
            Add(command, "self", self);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    using var document = JsonDocument.Parse(reader.GetString(1));
                    if (document.RootElement.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String && n.ValueEquals(rename))
                    {
                        return reader.GetString(0);
                    }
                }
            }
        }

        return null;
    }

    private async Task<bool> ExistsAsync(DbConnection connection, DbTransaction transaction, string name, CancellationToken cancellationToken)
        => await ScalarAsync(connection, transaction, $"SELECT name FROM {Table("tools")} WHERE name = @name", cancellationToken, ("name", name)).ConfigureAwait(false) is not null;

    private async Task<List<StoredTool>> ReadToolsAsync(DbConnection connection, DbTransaction? transaction, string where, string? name, CancellationToken cancellationToken)
    {
        var sql = $"""
            SELECT t.name, t.source, t.current_version, t.latest_version, t.retired, t.pinned, v.definition, o.value, t.updated_at
            FROM {Table("tools")} t
            JOIN {Table("tool_versions")} v ON v.name = t.name AND v.version = t.current_version
            LEFT JOIN {Table("tool_overrides")} o ON o.name = t.name
            WHERE {where}
            ORDER BY t.name
            """;
        var command = Command(connection, transaction, sql);
        await using (command.ConfigureAwait(false))
        {
            if (name is not null)
            {
                Add(command, "name", name);
            }

            var list = new List<StoredTool>();
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    ToolOverride? value = null;
                    if (!reader.IsDBNull(7))
                    {
                        using var document = JsonDocument.Parse(reader.GetString(7));
                        value = ToolOverride.Parse(document.RootElement).Value;
                    }

                    list.Add(new StoredTool(
                        reader.GetString(0),
                        reader.GetString(1),
                        reader.GetInt32(2),
                        reader.GetInt32(3),
                        reader.GetInt32(4) != 0,
                        reader.GetInt32(5) != 0,
                        Deserialize(reader.GetString(6)),
                        value,
                        reader.GetFieldValue<DateTimeOffset>(8)));
                }
            }

            return list;
        }
    }

    private async Task<Dictionary<string, ExistingTool>> ReadExistingAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        var hashes = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        var command = Command(connection, transaction, $"SELECT name, version, content_hash FROM {Table("tool_versions")}");
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var name = reader.GetString(0);
                    if (!hashes.TryGetValue(name, out var map))
                    {
                        hashes[name] = map = new Dictionary<string, int>(StringComparer.Ordinal);
                    }

                    map.TryAdd(reader.GetString(2), reader.GetInt32(1));
                }
            }
        }

        var tools = await ReadToolsAsync(connection, transaction, "1 = 1", null, cancellationToken).ConfigureAwait(false);
        var existing = new Dictionary<string, ExistingTool>(tools.Count, StringComparer.Ordinal);
        foreach (var t in tools)
        {
            existing[t.Name] = new ExistingTool(t.Name, t.Source, t.Retired, t.Pinned, t.CurrentVersion, t.LatestVersion, t.Definition, hashes.GetValueOrDefault(t.Name) ?? []);
        }

        return existing;
    }

    private async Task ApplyAsync(DbConnection connection, DbTransaction transaction, string source, ToolChange change, ExistingTool? row, long importId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (change.Kind is ToolChangeKind.Unchanged or ToolChangeKind.Conflict)
        {
            return;
        }

        if (change.NewVersion)
        {
            var insert = Command(connection, transaction, $"INSERT INTO {Table("tool_versions")} (name, version, content_hash, definition, import_id, created_at) VALUES (@name, @version, @hash, @definition, @import, @at)");
            await using (insert.ConfigureAwait(false))
            {
                Add(insert, "name", change.Name);
                Add(insert, "version", change.StoredVersion!.Value);
                Add(insert, "hash", change.Definition!.ContentHash);
                Add(insert, "definition", Serialize(change.Definition));
                Add(insert, "import", importId);
                Add(insert, "at", now);
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        string sql;
        if (change.Kind == ToolChangeKind.Removed)
        {
            sql = $"UPDATE {Table("tools")} SET retired = 1, pinned = 0, updated_at = @at WHERE name = @name";
        }
        else if (row is null)
        {
            sql = $"INSERT INTO {Table("tools")} (name, source, current_version, latest_version, retired, pinned, updated_at) VALUES (@name, @source, @current, @latest, 0, 0, @at)";
        }
        else
        {
            sql = $"UPDATE {Table("tools")} SET source = @source, current_version = @current, latest_version = @latest, retired = 0, pinned = @pinned, updated_at = @at WHERE name = @name";
        }

        var command = Command(connection, transaction, sql);
        await using (command.ConfigureAwait(false))
        {
            Add(command, "name", change.Name);
            Add(command, "at", now);
            if (change.Kind != ToolChangeKind.Removed)
            {
                var latest = Math.Max(row?.LatestVersion ?? 0, change.StoredVersion ?? 0);
                Add(command, "source", source);
                Add(command, "current", change.Pinned ? row!.CurrentVersion : change.StoredVersion!.Value);
                Add(command, "latest", latest);
                if (row is not null)
                {
                    Add(command, "pinned", change.Pinned ? 1 : 0);
                }
            }

            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
