using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Msil.Mcp.Audit.Outbox;
using Npgsql;
using NpgsqlTypes;

namespace Msil.Mcp.Audit.PostgreSql;

/// <summary>
/// Ships the outbox into the audit table: per batch, one look at the rows the table already holds for the batch's
/// sequence range, then one multi-row <c>INSERT … ON CONFLICT DO NOTHING</c> of the rest, so a batch shipped twice
/// (after a crash or a lost answer) is stored once. A different row under the same (chain, seq) means another writer
/// uses this chain id, and shipping stops rather than hide it.
/// </summary>
internal sealed class PostgreSqlAuditTarget : IAuditShipTarget, IAsyncDisposable
{
    private readonly AuditPostgreSqlOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PostgreSqlAuditTarget> _logger;
    private readonly HashSet<int> _months = [];
    private readonly Lock _gate = new();
    private NpgsqlDataSource? _dataSource;

    public PostgreSqlAuditTarget(IOptions<AuditOptions> options, TimeProvider time, ILogger<PostgreSqlAuditTarget> logger)
    {
        _options = options.Value.PostgreSql;
        _time = time;
        _logger = logger;
    }

    public string Name => "postgresql";

    public bool Enabled => _options.Enabled;

    public string Fingerprint
    {
        get
        {
            var b = new NpgsqlConnectionStringBuilder(_options.ConnectionString);
            return ShipCheckpoint.Fingerprint("postgresql", b.Host, b.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), b.Database, _options.Schema, _options.TableName);
        }
    }

    public int BatchMaxRecords => _options.BatchMaxRecords;

    public TimeSpan BatchMaxAge => TimeSpan.Zero;

    /// <summary>Gets the writer's data source (created on first use).</summary>
    public NpgsqlDataSource DataSource
    {
        get
        {
            lock (_gate)
            {
                return _dataSource ??= NpgsqlDataSource.Create(PostgreSqlConnectionSettings.Apply(_options.ConnectionString!, _options));
            }
        }
    }

    public async Task<(ShipPosition Position, long? BatchEnd)> InitializeAsync(string chainId, ShipPosition checkpoint, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (string.IsNullOrWhiteSpace(_options.SchemaConnectionString))
        {
            await PostgreSqlAuditSchema.EnsureAsync(DataSource, _options, now, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var owner = NpgsqlDataSource.Create(_options.SchemaConnectionString);
            await using var ownerLifetime = owner.ConfigureAwait(false);
            await PostgreSqlAuditSchema.EnsureAsync(owner, _options, now, cancellationToken).ConfigureAwait(false);
        }

        Log.SchemaReady(_logger, PostgreSqlAuditSchema.Table(_options));
        _months.Add(MonthOf(now));
        _months.Add(MonthOf(now.AddMonths(1)));

        // The table is the truth about what it holds: continue after its last record of this chain (ahead of a lost
        // checkpoint, or behind one after a restore from backup, in which case the outbox fills the gap again).
        var command = DataSource.CreateCommand($"SELECT seq, hash FROM {PostgreSqlAuditSchema.Table(_options)} WHERE chain_id = @chain ORDER BY seq DESC LIMIT 1");
        await using var commandLifetime = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter<string>("chain", chainId));
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerLifetime = reader.ConfigureAwait(false);
        var position = await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new ShipPosition(reader.GetInt64(0), reader.GetString(1))
            : ShipPosition.Start;
        return (position, null);
    }

    public async Task<ShipPosition> ShipAsync(string chainId, IReadOnlyList<ChainedRecord> batch, ShipPosition previous, CancellationToken cancellationToken)
    {
        await EnsurePartitionsAsync(batch, cancellationToken).ConfigureAwait(false);

        // The primary key has to include the partition key (ts), so ON CONFLICT alone would not stop a different record
        // under the same (chain, seq): look at what the table already holds for this range first.
        var existing = await ExistingAsync(chainId, batch, cancellationToken).ConfigureAwait(false);
        var rows = new List<ChainedRecord>(batch.Count);
        foreach (var r in batch)
        {
            if (!existing.TryGetValue(r.Sequence, out var hash))
            {
                rows.Add(r);
            }
            else if (!string.Equals(hash, r.Hash, StringComparison.Ordinal))
            {
                throw new AuditTargetConflictException($"{PostgreSqlAuditSchema.Table(_options)} already holds a different record {r.Sequence} of chain '{chainId}': another writer uses this chain id (give each writer its own Msil:Mcp:Audit:Directory).");
            }
        }

        if (rows.Count > 0)
        {
            await InsertAsync(chainId, rows, cancellationToken).ConfigureAwait(false);
        }

        var last = batch[^1];
        return new ShipPosition(last.Sequence, last.Hash);
    }

    private async Task InsertAsync(string chainId, List<ChainedRecord> rows, CancellationToken cancellationToken)
    {
        var n = rows.Count;
        var chain = new string[n];
        var seq = new long[n];
        var ts = new DateTime[n];
        var id = new string[n];
        var action = new string[n];
        var outcome = new string[n];
        var user = new string?[n];
        var tool = new string?[n];
        var decision = new string?[n];
        var correlation = new string?[n];
        var prev = new string[n];
        var hash = new string[n];
        var record = new string[n];
        for (var i = 0; i < n; i++)
        {
            var r = rows[i];
            chain[i] = chainId;
            seq[i] = r.Sequence;
            ts[i] = r.Timestamp.UtcDateTime;
            id[i] = r.Id;
            action[i] = r.Action;
            outcome[i] = r.Outcome;
            user[i] = r.UserId;
            tool[i] = r.Tool;
            decision[i] = r.Decision;
            correlation[i] = r.CorrelationId;
            prev[i] = r.PreviousHash;
            hash[i] = r.Hash;
            record[i] = r.Line;
        }

        var command = DataSource.CreateCommand($"""
            INSERT INTO {PostgreSqlAuditSchema.Table(_options)}
              (chain_id, seq, ts, id, action, outcome, user_id, tool, decision, correlation_id, prev_hash, hash, record)
            SELECT * FROM unnest(@chain, @seq, @ts, @id, @action, @outcome, @user, @tool, @decision, @correlation, @prev, @hash, @record)
            ON CONFLICT DO NOTHING
            """);
        await using var commandLifetime = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter<string[]>("chain", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = chain });
        command.Parameters.Add(new NpgsqlParameter<long[]>("seq", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = seq });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]>("ts", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = ts });
        command.Parameters.Add(new NpgsqlParameter<string[]>("id", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string[]>("action", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = action });
        command.Parameters.Add(new NpgsqlParameter<string[]>("outcome", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = outcome });
        command.Parameters.Add(new NpgsqlParameter<string?[]>("user", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = user });
        command.Parameters.Add(new NpgsqlParameter<string?[]>("tool", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = tool });
        command.Parameters.Add(new NpgsqlParameter<string?[]>("decision", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = decision });
        command.Parameters.Add(new NpgsqlParameter<string?[]>("correlation", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = correlation });
        command.Parameters.Add(new NpgsqlParameter<string[]>("prev", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = prev });
        command.Parameters.Add(new NpgsqlParameter<string[]>("hash", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = hash });
        command.Parameters.Add(new NpgsqlParameter<string[]>("record", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = record });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task EnsurePartitionsAsync(IReadOnlyList<ChainedRecord> batch, CancellationToken cancellationToken)
    {
        foreach (var r in batch)
        {
            var month = MonthOf(r.Timestamp);
            if (_months.Contains(month))
            {
                continue;
            }

            var command = DataSource.CreateCommand($"SELECT {PostgreSqlAuditSchema.EnsurePartitionFunction(_options)}(@ts)");

            await using var commandLifetime = command.ConfigureAwait(false);
            command.Parameters.Add(new NpgsqlParameter<DateTime>("ts", NpgsqlDbType.TimestampTz) { TypedValue = r.Timestamp.UtcDateTime });
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            _months.Add(month);
        }
    }

    private async Task<Dictionary<long, string>> ExistingAsync(string chainId, IReadOnlyList<ChainedRecord> batch, CancellationToken cancellationToken)
    {
        var command = DataSource.CreateCommand($"SELECT seq, hash FROM {PostgreSqlAuditSchema.Table(_options)} WHERE chain_id = @chain AND seq BETWEEN @first AND @last");
        await using var commandLifetime = command.ConfigureAwait(false);
        command.Parameters.Add(new NpgsqlParameter<string>("chain", chainId));
        command.Parameters.Add(new NpgsqlParameter<long>("first", batch[0].Sequence));
        command.Parameters.Add(new NpgsqlParameter<long>("last", batch[^1].Sequence));
        var existing = new Dictionary<long, string>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerLifetime = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            existing[reader.GetInt64(0)] = reader.GetString(1);
        }

        return existing;
    }

    private static int MonthOf(DateTimeOffset t) => (t.UtcDateTime.Year * 12) + t.UtcDateTime.Month;
}
