using Npgsql;

namespace Msil.Mcp.Audit.PostgreSql;

/// <summary>
/// Reads the table in (chain, seq) order and checks each chain like the files are checked, and also that the columns
/// kept for queries (seq, ts, id, action, outcome, user, tool, decision, hashes) say what the hashed record says.
/// </summary>
internal static class PostgreSqlAuditVerifier
{
    public static async Task<AuditVerificationResult> VerifyAsync(AuditPostgreSqlOptions options, CancellationToken cancellationToken)
    {
        var table = $"{options.Schema}.{options.TableName}";
        var dataSource = NpgsqlDataSource.Create(options.ConnectionString!);
        await using var dataSourceLifetime = dataSource.ConfigureAwait(false);
        var command = dataSource.CreateCommand($"""
            SELECT chain_id, seq, ts, id, action, outcome, user_id, tool, decision, correlation_id, prev_hash, hash, record
            FROM {PostgreSqlAuditSchema.Table(options)} ORDER BY chain_id, seq, ts
            """);
        await using var commandLifetime = command.ConfigureAwait(false);
        command.CommandTimeout = 0;
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerLifetime = reader.ConfigureAwait(false);
        ChainVerifier? verifier = null;
        long total = 0;
        long row = 0;
        var chains = 0;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var chain = reader.GetString(0);
            if (verifier is null || !string.Equals(verifier.ChainId, chain, StringComparison.Ordinal))
            {
                total += verifier?.Records ?? 0;
                verifier = new ChainVerifier(chain);
                chains++;
                row = 0;
            }

            row++;
            var seq = reader.GetInt64(1);
            var line = reader.GetString(12);
            if (!ChainedRecord.TryParse(line, out var record, out var error))
            {
                return Broken(verifier, total, chains, table, row, seq, $"the record of row (chain '{chain}', seq {seq}) cannot be read: {error}");
            }

            if (verifier.Check(record) is { } problem)
            {
                return Broken(verifier, total, chains, table, row, seq, problem);
            }

            var mismatch = Mismatch(reader, record);
            if (mismatch is not null)
            {
                return Broken(verifier, total, chains, table, row, seq, $"column {mismatch} of record {seq} was altered: it does not match the hashed record");
            }
        }

        total += verifier?.Records ?? 0;
        return new AuditVerificationResult(true, total) { Chains = chains };
    }

    private static AuditVerificationResult Broken(ChainVerifier verifier, long before, int chains, string table, long row, long seq, string problem)
        => new(false, before + verifier.Records, table, row, problem) { Sequence = seq, ChainId = verifier.ChainId, Chains = chains };

    private static string? Mismatch(NpgsqlDataReader reader, ChainedRecord r)
    {
        if (reader.GetInt64(1) != r.Sequence)
        {
            return "seq";
        }

        // PostgreSQL keeps microseconds; the record keeps 100 ns ticks.
        if (Math.Abs((reader.GetFieldValue<DateTime>(2) - r.Timestamp.UtcDateTime).Ticks) >= TimeSpan.TicksPerMicrosecond)
        {
            return "ts";
        }

        string?[] columns = [reader.GetString(3), reader.GetString(4), reader.GetString(5), Text(reader, 6), Text(reader, 7), Text(reader, 8), Text(reader, 9), reader.GetString(10), reader.GetString(11)];
        string?[] values = [r.Id, r.Action, r.Outcome, r.UserId, r.Tool, r.Decision, r.CorrelationId, r.PreviousHash, r.Hash];
        string[] names = ["id", "action", "outcome", "user_id", "tool", "decision", "correlation_id", "prev_hash", "hash"];
        for (var i = 0; i < columns.Length; i++)
        {
            if (!string.Equals(columns[i], values[i], StringComparison.Ordinal))
            {
                return names[i];
            }
        }

        return null;
    }

    private static string? Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
