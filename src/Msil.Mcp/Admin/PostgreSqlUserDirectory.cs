using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;
using Npgsql;
using NpgsqlTypes;

namespace Msil.Mcp.Admin;

/// <summary>
/// The users store in PostgreSQL (<c>Msil:Mcp:Users:Store = PostgreSql</c>), shared by every instance: one row per
/// principal key, created with its table on first use; activity is merged by an upsert that adds the counts.
/// </summary>
internal sealed class PostgreSqlUserDirectory : IUserDirectory, IAsyncDisposable
{
    private const string Columns = "principal_key, subject, issuer, name, roles, groups, first_seen, last_seen, calls, denials";

    private readonly UserDirectoryOptions _options;
    private readonly ILogger<PostgreSqlUserDirectory> _logger;
    private readonly SemaphoreSlim _ready = new(1, 1);
    private readonly string _table;
    private NpgsqlDataSource? _dataSource;
    private bool _created;

    public PostgreSqlUserDirectory(IOptions<UserDirectoryOptions> options, ILogger<PostgreSqlUserDirectory> logger)
    {
        _options = options.Value;
        _logger = logger;
        _table = $"\"{_options.Schema}\".\"{_options.TableName}\"";
    }

    public async ValueTask MergeAsync(IReadOnlyCollection<UserRecord> activity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(activity);
        if (activity.Count == 0)
        {
            return;
        }

        var source = await ReadyAsync(cancellationToken).ConfigureAwait(false);
        var connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionLifetime = connection.ConfigureAwait(false);
        var batch = new NpgsqlBatch(connection);
        await using var batchLifetime = batch.ConfigureAwait(false);

        // Sorted by key so that two instances flushing at once take the row locks in the same order (no deadlock).
        foreach (var a in activity.OrderBy(a => a.PrincipalKey, StringComparer.Ordinal))
        {
            var command = new NpgsqlBatchCommand($"""
                INSERT INTO {_table} ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                ON CONFLICT (principal_key) DO UPDATE SET
                  subject = excluded.subject, issuer = excluded.issuer, name = excluded.name, roles = excluded.roles, groups = excluded.groups,
                  first_seen = LEAST({_table}.first_seen, excluded.first_seen), last_seen = GREATEST({_table}.last_seen, excluded.last_seen),
                  calls = {_table}.calls + excluded.calls, denials = {_table}.denials + excluded.denials
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = a.PrincipalKey });
            command.Parameters.Add(new NpgsqlParameter { Value = a.Subject });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)a.Issuer ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = a.Name });
            command.Parameters.Add(new NpgsqlParameter { Value = a.Roles.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = a.Groups.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = a.FirstSeen.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = a.LastSeen.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = a.Calls });
            command.Parameters.Add(new NpgsqlParameter { Value = a.Denials });
            batch.BatchCommands.Add(command);
        }

        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionLifetime = transaction.ConfigureAwait(false);
        batch.Transaction = transaction;
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<UserPage> ListAsync(string? search, int offset, int limit, CancellationToken cancellationToken)
    {
        var source = await ReadyAsync(cancellationToken).ConfigureAwait(false);
        var where = string.IsNullOrEmpty(search) ? string.Empty : "WHERE name ILIKE $1 ESCAPE '\\' OR subject ILIKE $1 ESCAPE '\\' OR principal_key ILIKE $1 ESCAPE '\\'";
        var pattern = string.IsNullOrEmpty(search) ? null : "%" + search.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
        var connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionLifetime = connection.ConfigureAwait(false);
        long total;
        var count = new NpgsqlCommand($"SELECT count(*) FROM {_table} {where}", connection);
        await using (count.ConfigureAwait(false))
        {
            if (pattern is not null)
            {
                count.Parameters.Add(new NpgsqlParameter { Value = pattern });
            }

            total = (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0L);
        }

        var items = new List<UserRecord>();
        var p = pattern is null ? 1 : 2;
        var select = new NpgsqlCommand($"SELECT {Columns} FROM {_table} {where} ORDER BY last_seen DESC, principal_key LIMIT ${p} OFFSET ${p + 1}", connection);
        await using (select.ConfigureAwait(false))
        {
            if (pattern is not null)
            {
                select.Parameters.Add(new NpgsqlParameter { Value = pattern });
            }

            select.Parameters.Add(new NpgsqlParameter { Value = limit });
            select.Parameters.Add(new NpgsqlParameter { Value = offset });
            var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerLifetime = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                items.Add(Read(reader));
            }
        }

        return new UserPage(items, total);
    }

    public async ValueTask<UserRecord?> GetAsync(string principalKey, CancellationToken cancellationToken)
    {
        var source = await ReadyAsync(cancellationToken).ConfigureAwait(false);
        var connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionLifetime = connection.ConfigureAwait(false);
        var select = new NpgsqlCommand($"SELECT {Columns} FROM {_table} WHERE principal_key = $1", connection);
        await using var selectLifetime = select.ConfigureAwait(false);
        select.Parameters.Add(new NpgsqlParameter { Value = principalKey });
        var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerLifetime = reader.ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }

        _ready.Dispose();
    }

    private static UserRecord Read(NpgsqlDataReader r) => new()
    {
        PrincipalKey = r.GetString(0),
        Subject = r.GetString(1),
        Issuer = r.IsDBNull(2) ? null : r.GetString(2),
        Name = r.GetString(3),
        Roles = r.GetFieldValue<string[]>(4),
        Groups = r.GetFieldValue<string[]>(5),
        FirstSeen = new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(6), DateTimeKind.Utc)),
        LastSeen = new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(7), DateTimeKind.Utc)),
        Calls = r.GetInt64(8),
        Denials = r.GetInt64(9),
    };

    private async ValueTask<NpgsqlDataSource> ReadyAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _created) && _dataSource is { } ready)
        {
            return ready;
        }

        await _ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _dataSource ??= NpgsqlDataSource.Create(_options.PostgreSqlConnectionString!);
            if (!_created)
            {
                var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using var connectionLifetime = connection.ConfigureAwait(false);
                var create = new NpgsqlCommand($"""
                    CREATE TABLE IF NOT EXISTS {_table} (
                      principal_key text PRIMARY KEY,
                      subject text NOT NULL,
                      issuer text NULL,
                      name text NOT NULL,
                      roles text[] NOT NULL,
                      groups text[] NOT NULL,
                      first_seen timestamptz NOT NULL,
                      last_seen timestamptz NOT NULL,
                      calls bigint NOT NULL,
                      denials bigint NOT NULL);
                    CREATE INDEX IF NOT EXISTS "{_options.TableName}_last_seen" ON {_table} (last_seen DESC);
                    """, connection);
                await using var createLifetime = create.ConfigureAwait(false);
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _created, true);
                Log.UserTableReady(_logger, _options.Schema + "." + _options.TableName);
            }

            return _dataSource;
        }
        finally
        {
            _ready.Release();
        }
    }
}
