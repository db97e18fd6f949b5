using System.Globalization;
using System.Text;
using Msil.Mcp.Audit.PostgreSql;
using Npgsql;
using NpgsqlTypes;

namespace Msil.Mcp.Audit.Query;

/// <summary>Answers queries from the PostgreSQL table (every writer's chain), in (ts, chain, seq) order.</summary>
internal static class PostgreSqlAuditQuery
{
    public static async Task<AuditPage> RunAsync(NpgsqlDataSource dataSource, AuditPostgreSqlOptions options, AuditQuery query, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder("SELECT record, ts, chain_id, seq FROM ").Append(PostgreSqlAuditSchema.Table(options)).Append(" WHERE true");
        var command = dataSource.CreateCommand();
        await using var commandLifetime = command.ConfigureAwait(false);
        void Filter(string column, string? value)
        {
            if (value is not null)
            {
                sql.Append(" AND ").Append(column).Append(" = @").Append(column);
                command.Parameters.Add(new NpgsqlParameter<string>(column, value));
            }
        }

        Filter("user_id", query.User);
        Filter("tool", query.Tool);
        Filter("decision", query.Decision);
        Filter("outcome", query.Outcome);
        Filter("action", query.Action);
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

        if (query.After is { } after)
        {
            var parts = after.Split(':', 4);
            if (parts.Length != 4 || parts[0] != "p"
                || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
            {
                return new AuditPage("postgresql", [], null);
            }

            sql.Append(" AND (ts, chain_id, seq) > (@after_ts, @after_chain, @after_seq)");
            command.Parameters.Add(new NpgsqlParameter<DateTime>("after_ts", NpgsqlDbType.TimestampTz) { TypedValue = new DateTime(ticks, DateTimeKind.Utc) });
            command.Parameters.Add(new NpgsqlParameter<string>("after_chain", parts[3]));
            command.Parameters.Add(new NpgsqlParameter<long>("after_seq", seq));
        }

        sql.Append(" ORDER BY ts, chain_id, seq LIMIT @limit");
        command.Parameters.Add(new NpgsqlParameter<int>("limit", query.Limit + 1));
        command.CommandText = sql.ToString();
        var records = new List<string>(Math.Min(query.Limit, 64));
        string? next = null;
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerLifetime = reader.ConfigureAwait(false);
        DateTime lastTs = default;
        string lastChain = string.Empty;
        long lastSeq = 0;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (records.Count == query.Limit)
            {
                next = AuditQuery.EncodeCursor(string.Create(CultureInfo.InvariantCulture, $"p:{lastTs.Ticks}:{lastSeq}:{lastChain}"));
                break;
            }

            records.Add(reader.GetString(0));
            lastTs = reader.GetFieldValue<DateTime>(1);
            lastChain = reader.GetString(2);
            lastSeq = reader.GetInt64(3);
        }

        return new AuditPage("postgresql", records, next);
    }
}
