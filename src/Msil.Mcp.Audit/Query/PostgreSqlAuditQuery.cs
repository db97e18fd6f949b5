using System.Text;
using Msil.Mcp.Audit.PostgreSql;
using Npgsql;
using NpgsqlTypes;

namespace Msil.Mcp.Audit.Query;

/// <summary>Answers queries from the PostgreSQL table (every writer's chain), newest first by (ts, chain, seq).</summary>
internal static class PostgreSqlAuditQuery
{
    public static async Task<AuditPage> RunAsync(NpgsqlDataSource dataSource, AuditPostgreSqlOptions options, AuditQuery query, CancellationToken cancellationToken)
    {
        var total = await CountAsync(dataSource, options, query, cancellationToken).ConfigureAwait(false);
        var records = new List<string>(Math.Min(query.PageSize, 64));
        if (query.Skip < total)
        {
            var command = dataSource.CreateCommand();
            await using var commandLifetime = command.ConfigureAwait(false);
            var sql = new StringBuilder("SELECT record FROM ").Append(PostgreSqlAuditSchema.Table(options)).Append(" WHERE true");
            Filter(sql, command, query);
            sql.Append(" ORDER BY ts DESC, chain_id DESC, seq DESC LIMIT @limit OFFSET @offset");
            command.Parameters.Add(new NpgsqlParameter<int>("limit", query.PageSize));
            command.Parameters.Add(new NpgsqlParameter<long>("offset", query.Skip));
            command.CommandText = sql.ToString();
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerLifetime = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                records.Add(reader.GetString(0));
            }
        }

        return new AuditPage(AuditQuery.Postgres, records, total);
    }

    public static async Task<long> CountAsync(NpgsqlDataSource dataSource, AuditPostgreSqlOptions options, AuditQuery query, CancellationToken cancellationToken)
    {
        var command = dataSource.CreateCommand();
        await using var commandLifetime = command.ConfigureAwait(false);
        var sql = new StringBuilder("SELECT count(*) FROM ").Append(PostgreSqlAuditSchema.Table(options)).Append(" WHERE true");
        Filter(sql, command, query);
        command.CommandText = sql.ToString();
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Yields the newest <paramref name="cap"/> matching records, oldest first.</summary>
    public static async IAsyncEnumerable<string> ExportAsync(NpgsqlDataSource dataSource, AuditPostgreSqlOptions options, AuditQuery query, int cap, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var command = dataSource.CreateCommand();
        await using var commandLifetime = command.ConfigureAwait(false);
        var sql = new StringBuilder("SELECT record FROM (SELECT record, ts, chain_id, seq FROM ").Append(PostgreSqlAuditSchema.Table(options)).Append(" WHERE true");
        Filter(sql, command, query);
        sql.Append(" ORDER BY ts DESC, chain_id DESC, seq DESC LIMIT @cap) newest ORDER BY ts, chain_id, seq");
        command.Parameters.Add(new NpgsqlParameter<int>("cap", cap));
        command.CommandText = sql.ToString();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerLifetime = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return reader.GetString(0);
        }
    }

    /// <summary>Returns the records with sequence number <paramref name="sequence"/> (one per chain, or the one of <paramref name="chain"/>), at most 10.</summary>
    public static async Task<IReadOnlyList<string>> FindAsync(NpgsqlDataSource dataSource, AuditPostgreSqlOptions options, long sequence, string? chain, CancellationToken cancellationToken)
    {
        var command = dataSource.CreateCommand();
        await using var commandLifetime = command.ConfigureAwait(false);
        command.CommandText = $"SELECT record FROM {PostgreSqlAuditSchema.Table(options)} WHERE seq = @seq{(chain is null ? string.Empty : " AND chain_id = @chain")} ORDER BY chain_id LIMIT 10";
        command.Parameters.Add(new NpgsqlParameter<long>("seq", sequence));
        if (chain is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string>("chain", chain));
        }

        var list = new List<string>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerLifetime = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(reader.GetString(0));
        }

        return list;
    }

    private static void Filter(StringBuilder sql, NpgsqlCommand command, AuditQuery query)
    {
        void Column(string column, string? value)
        {
            if (value is not null)
            {
                sql.Append(" AND ").Append(column).Append(" = @").Append(column);
                command.Parameters.Add(new NpgsqlParameter<string>(column, value));
            }
        }

        Column("user_id", query.User);
        Column("tool", query.Tool);
        Column("decision", query.Decision);
        Column("outcome", query.Outcome);
        Column("action", query.Action);
        Column("correlation_id", query.CorrelationId);
        if (query.DecisionId is { } decisionId)
        {
            // Not an indexed column: read from the stored record.
            sql.Append(" AND (record::jsonb ->> 'decision_id') = @decision_id");
            command.Parameters.Add(new NpgsqlParameter<string>("decision_id", decisionId));
        }

        if (query.From is { } from)
        {
            sql.Append(" AND ts >= @from");
            command.Parameters.Add(new NpgsqlParameter<DateTime>("from", NpgsqlDbType.TimestampTz) { TypedValue = from.UtcDateTime });
        }

        if (query.To is { } to)
        {
            sql.Append(" AND ts < @to");
            command.Parameters.Add(new NpgsqlParameter<DateTime>("to", NpgsqlDbType.TimestampTz) { TypedValue = to.UtcDateTime });
        }
    }
}
