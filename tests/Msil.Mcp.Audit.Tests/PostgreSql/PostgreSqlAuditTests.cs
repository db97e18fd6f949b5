using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Msil.Mcp.Audit.Outbox;
using Msil.Mcp.Audit.PostgreSql;
using Msil.Mcp.Audit.Tests.Support;
using Msil.Mcp.Cli;
using Npgsql;

namespace Msil.Mcp.Audit.Tests.PostgreSql;

/// <summary>Against the real PostgreSQL (TEST_POSTGRES_CONNECTION_STRING), in a database of this class's own.</summary>
[Trait("Category", "Integration")]
public sealed class PostgreSqlAuditTests(PostgresDatabase db) : IClassFixture<PostgresDatabase>, IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _table = "audit_" + Guid.NewGuid().ToString("N")[..8];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task InitializeAsync_TwoWritersStartTogether_SchemaCreatedOnceWithTwoMonthPartitions()
    {
        var targets = Enumerable.Range(0, 3).Select(_ => Target()).ToList();

        await Task.WhenAll(targets.Select(t => t.InitializeAsync("c", ShipPosition.Start, Ct)));
        await Target().InitializeAsync("c", ShipPosition.Start, Ct);

        Assert.Equal(2, await db.ScalarAsync($"SELECT count(*) FROM pg_inherits WHERE inhparent = 'public.{_table}'::regclass"));
        Assert.Equal(2, await db.ScalarAsync($"SELECT count(*) FROM pg_trigger WHERE tgrelid = 'public.{_table}'::regclass AND NOT tgisinternal"));
        foreach (var t in targets)
        {
            await t.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("UPDATE {0} SET user_id = 'mallory' WHERE seq = 2", "UPDATE")]
    [InlineData("DELETE FROM {0} WHERE seq = 2", "DELETE")]
    [InlineData("TRUNCATE {0}", "TRUNCATE")]
    public async Task Change_AsTableOwner_RefusedByTheDatabase(string sql, string operation)
    {
        await ShipAsync(5);

        var ex = await Assert.ThrowsAsync<PostgresException>(() => db.ExecuteAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, sql, _table)));

        Assert.Contains(PostgreSqlAuditSchema.RejectMessage, ex.MessageText, StringComparison.Ordinal);
        Assert.Contains(operation, ex.MessageText, StringComparison.Ordinal);
        Assert.Equal(5, await db.ScalarAsync($"SELECT count(*) FROM {_table} WHERE user_id = 'alice'"));
    }

    [Fact]
    public async Task InitializeAsync_AfterOwnerDisabledTheTrigger_EnablesItAgain()
    {
        await ShipAsync(3);
        await TamperAsync("SELECT 1");

        await using (var target = Target())
        {
            await target.InitializeAsync("c", ShipPosition.Start, Ct);
        }

        var ex = await Assert.ThrowsAsync<PostgresException>(() => db.ExecuteAsync($"DELETE FROM {_table} WHERE seq = 1"));
        Assert.Contains(PostgreSqlAuditSchema.RejectMessage, ex.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShipAsync_SameBatchTwice_StoredOnce()
    {
        var (chain, records) = await ChainAsync(20);
        await using var target = Target();
        await target.InitializeAsync(chain, ShipPosition.Start, Ct);

        await target.ShipAsync(chain, records, ShipPosition.Start, Ct);
        await target.ShipAsync(chain, records[5..15], new ShipPosition(5, records[4].Hash), Ct);
        await target.ShipAsync(chain, records, ShipPosition.Start, Ct);

        Assert.Equal(20, await db.ScalarAsync($"SELECT count(*) FROM {_table}"));
        Assert.Equal(20, (await Verify()).Records);
    }

    [Fact]
    public async Task ShipAsync_DifferentRecordUnderSameSequence_StopsWithConflict()
    {
        var (chain, records) = await ChainAsync(3, chainId: "shared");
        using var other = new TempDirectory();
        var (_, forged) = await ChainAsync(3, chainId: "shared", directory: other.Path);
        await using var target = Target();
        await target.InitializeAsync(chain, ShipPosition.Start, Ct);
        await target.ShipAsync(chain, records, ShipPosition.Start, Ct);

        var ex = await Assert.ThrowsAsync<AuditTargetConflictException>(() => target.ShipAsync(chain, forged, ShipPosition.Start, Ct));

        Assert.Contains("another writer uses this chain id", ex.Message, StringComparison.Ordinal);
        Assert.Equal(3, await db.ScalarAsync($"SELECT count(*) FROM {_table}"));
    }

    [Fact]
    public async Task ShipAsync_RecordInALaterMonth_PartitionCreatedOnDemand()
    {
        var later = new FakeTimeProvider(TimeProvider.System.GetUtcNow().AddMonths(5));
        var (chain, records) = await ChainAsync(3, time: later);
        await using var target = Target();
        await target.InitializeAsync(chain, ShipPosition.Start, Ct);

        await target.ShipAsync(chain, records, ShipPosition.Start, Ct);

        var month = later.GetUtcNow().UtcDateTime;
        Assert.Equal(1, await db.ScalarAsync($"SELECT count(*) FROM pg_class WHERE relname = '{_table}_y{month:yyyy}m{month:MM}'"));
        Assert.Equal(3, await db.ScalarAsync($"SELECT count(*) FROM {_table}_y{month:yyyy}m{month:MM}"));
    }

    [Fact]
    public async Task InitializeAsync_WriterRole_MayOnlyInsertAndSelect()
    {
        // The test login cannot create roles; a predefined role stands in for the operator's insert-only role.
        await using var target = Target(o => o.WriterRole = "pg_monitor");

        await target.InitializeAsync("c", ShipPosition.Start, Ct);

        foreach (var (privilege, expected) in new[] { ("INSERT", 1L), ("SELECT", 1L), ("UPDATE", 0L), ("DELETE", 0L), ("TRUNCATE", 0L) })
        {
            Assert.Equal(expected, await db.ScalarAsync($"SELECT has_table_privilege('pg_monitor', 'public.{_table}', '{privilege}')::int"));
        }

        Assert.Equal(1, await db.ScalarAsync($"SELECT has_function_privilege('pg_monitor', 'public.{_table}_ensure_partition(timestamptz)', 'EXECUTE')::int"));
    }

    [Fact]
    public async Task InitializeAsync_TableAheadOfCheckpoint_ResumesAfterTheTablesLastRecord()
    {
        var (chain, records) = await ChainAsync(10);
        await using var target = Target();
        await target.InitializeAsync(chain, ShipPosition.Start, Ct);
        await target.ShipAsync(chain, records[..7], ShipPosition.Start, Ct);

        var (position, batchEnd) = await Target().InitializeAsync(chain, ShipPosition.Start, Ct);

        Assert.Equal(7, position.Sequence);
        Assert.Equal(records[6].Hash, position.Hash);
        Assert.Null(batchEnd);
    }

    [Fact]
    public async Task VerifyPostgreSqlAsync_Intact_ValidWithEveryRecord()
    {
        await ShipAsync(25);

        var result = await Verify();

        Assert.True(result.IsValid, result.Problem);
        Assert.Equal(25, result.Records);
        Assert.Equal(1, result.Chains);
    }

    [Fact]
    public async Task VerifyPostgreSqlAsync_RecordAlteredByOwnerWithTriggerDisabled_ReportsRecordAndRow()
    {
        await ShipAsync(10);
        await TamperAsync($"UPDATE {_table} SET record = replace(record, '\"user_id\":\"alice\"', '\"user_id\":\"mallory\"'), user_id = 'mallory' WHERE seq = 4");

        var result = await Verify();

        Assert.False(result.IsValid);
        Assert.Equal(4, result.Sequence);
        Assert.Equal(4, result.Line);
        Assert.Equal($"public.{_table}", result.File);
        Assert.Contains("record 4 was altered", result.Problem, StringComparison.Ordinal);
        Assert.Equal(3, result.Records);
    }

    [Fact]
    public async Task VerifyPostgreSqlAsync_ColumnAlteredByOwner_ReportsTheColumn()
    {
        await ShipAsync(10);
        await TamperAsync($"UPDATE {_table} SET decision = 'deny', outcome = 'denied' WHERE seq = 3");

        var result = await Verify();

        Assert.False(result.IsValid);
        Assert.Equal(3, result.Sequence);
        Assert.Contains("column outcome of record 3 was altered", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyPostgreSqlAsync_RecordDeletedByOwnerWithTriggerDisabled_ReportsTheGap()
    {
        await ShipAsync(10);
        await TamperAsync($"DELETE FROM {_table} WHERE seq = 6");

        var result = await Verify();

        Assert.False(result.IsValid);
        Assert.Equal(7, result.Sequence);
        Assert.Equal(6, result.Line);
        Assert.Contains("records 6..6 are missing", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_VerifyPostgres_ExitZeroWhenIntactAndOneWhenTampered()
    {
        await ShipAsync(8);
        var args = new[] { "audit", "verify", "--postgres", db.ConnectionString, "--table", _table };
        var output = new StringWriter();

        Assert.Equal(CliApp.Verified, await CliApp.RunAsync(args, output, TextWriter.Null, Ct));
        Assert.Contains("verified 8 records in 1 chain(s)", output.ToString(), StringComparison.Ordinal);

        await TamperAsync($"DELETE FROM {_table} WHERE seq = 8");
        await TamperAsync($"DELETE FROM {_table} WHERE seq = 2");
        output = new StringWriter();
        Assert.Equal(CliApp.Broken, await CliApp.RunAsync(args, output, TextWriter.Null, Ct));
        Assert.Contains($"BROKEN at public.{_table} row 2", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("records 2..2 are missing", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DataSource_SeedConnectionSettings_AppliedToEveryConnection()
    {
        await using var target = Target(o => o.LockTimeout = TimeSpan.FromSeconds(4));
        await using var connection = await target.DataSource.OpenConnectionAsync(Ct);

        await using var statement = new NpgsqlCommand("SHOW statement_timeout", connection);
        await using var lockTimeout = new NpgsqlCommand("SHOW lock_timeout", connection);
        Assert.Equal("30s", await statement.ExecuteScalarAsync(Ct));
        Assert.Equal("4s", await lockTimeout.ExecuteScalarAsync(Ct));
        var applied = new NpgsqlConnectionStringBuilder(target.DataSource.ConnectionString);
        Assert.Equal(5, applied.MinPoolSize);
        Assert.Equal(15, applied.MaxPoolSize);
    }

    [Fact]
    public void Apply_ConnectionStringSetsItsOwn_ConnectionStringWins()
    {
        var options = new AuditPostgreSqlOptions { SslMode = SslMode.VerifyFull };

        var applied = new NpgsqlConnectionStringBuilder(PostgreSqlConnectionSettings.Apply("Host=db;Maximum Pool Size=40;SSL Mode=Require;Options=-c statement_timeout=1000", options));

        Assert.Equal(40, applied.MaxPoolSize);
        Assert.Equal(5, applied.MinPoolSize);
        Assert.Equal(SslMode.Require, applied.SslMode);
        Assert.Equal("-c statement_timeout=1000 -c lock_timeout=5000", applied.Options);
        Assert.Equal(SslMode.VerifyFull, new NpgsqlConnectionStringBuilder(PostgreSqlConnectionSettings.Apply("Host=db", options)).SslMode);
    }

    private PostgreSqlAuditTarget Target(Action<AuditPostgreSqlOptions>? configure = null)
    {
        var options = new AuditOptions();
        options.PostgreSql.ConnectionString = db.ConnectionString;
        options.PostgreSql.TableName = _table;
        configure?.Invoke(options.PostgreSql);
        return new PostgreSqlAuditTarget(Options.Create(options), TimeProvider.System, NullLogger<PostgreSqlAuditTarget>.Instance);
    }

    private Task<AuditVerificationResult> Verify()
        => AuditLogVerifier.VerifyPostgreSqlAsync(new AuditPostgreSqlOptions { ConnectionString = db.ConnectionString, TableName = _table }, Ct);

    private async Task ShipAsync(int count)
    {
        var (chain, records) = await ChainAsync(count);
        await using var target = Target();
        await target.InitializeAsync(chain, ShipPosition.Start, Ct);
        await target.ShipAsync(chain, records, ShipPosition.Start, Ct);
    }

    /// <summary>What a table owner can do: switch the append-only trigger off (on the table and each partition), then change rows.</summary>
    private Task TamperAsync(string sql) => db.ExecuteAsync($"""
        DO $$ DECLARE r record; BEGIN
          EXECUTE 'ALTER TABLE public.{_table} DISABLE TRIGGER USER';
          FOR r IN SELECT inhrelid::regclass AS c FROM pg_inherits WHERE inhparent = 'public.{_table}'::regclass LOOP
            EXECUTE format('ALTER TABLE %s DISABLE TRIGGER USER', r.c);
          END LOOP;
        END $$;
        {sql};
        """);

    private async Task<(string Chain, List<ChainedRecord> Records)> ChainAsync(int count, TimeProvider? time = null, string? chainId = null, string? directory = null)
    {
        directory ??= _dir.Path;
        string chain;
        await using (var sink = await Sinks.StartAsync(directory, o => o.ChainId = chainId, time))
        {
            await Sinks.WriteAsync(sink, count, time: time);
            await sink.StopAsync(Ct);
            chain = sink.ChainId;
        }

        var records = new List<ChainedRecord>();
        new OutboxReader(directory).Read(records, int.MaxValue);
        return (chain, records);
    }
}
