using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Audit;
using Msil.Mcp.Audit.Outbox;
using Msil.Mcp.Audit.PostgreSql;
using Npgsql;

namespace Msil.Mcp.Benchmarks.Audit;

/// <summary>
/// Issue 8: the time the audit stage adds to a call (target under 10 µs): one <c>WriteAsync</c> awaited alone (what a
/// lone call waits for), the same with 64 calls at once (the writer flushes them as one batch), and the pre-call
/// outbox check for privileged tools.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class AuditWriteBenchmarks
{
    private readonly AuditRecord _record = new()
    {
        Id = Guid.NewGuid().ToString("N"),
        Timestamp = TimeProvider.System.GetUtcNow(),
        Action = AuditActions.ToolCall,
        Outcome = AuditOutcomes.Success,
        CorrelationId = "0af7651916cd43dd8448eb211c80319c",
        TraceId = "4bf92f3577b34da6a3ce929d0e0e4736",
        UserId = "alice@example.test",
        Subject = "8d2f6c1e-2b4a-4f1e-9c55-0c1d2e3f4a5b",
        PreferredUsername = "alice@example.test",
        ToolName = "get_vehicle_inventory",
        ToolVersion = "1.0.0",
        ToolContentHash = new string('c', 64),
        RiskLevel = RiskLevel.Read,
        PolicyAllow = true,
        PolicyReason = "role dealer may read inventory",
        DecisionId = "d-123",
        BackendStatus = 200,
        LatencyMs = 12.5,
        ArgumentsHash = new string('a', 64),
        ResultSize = 2048,
    };

    private readonly Task[] _tasks = new Task[64];
    private FileAuditSink _sink = null!;
    private string _directory = string.Empty;

    [Params(AuditDurability.Queued, AuditDurability.Flushed)]
    public AuditDurability Durability { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "msil-bench-audit-" + Guid.NewGuid().ToString("N")[..8]);
        _sink = AuditBench.CreateSink(_directory, Durability);
        _sink.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sink.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public ValueTask WriteOne() => _sink.WriteAsync(_record, CancellationToken.None);

    [Benchmark(OperationsPerInvoke = 64)]
    public Task Write64Concurrent()
    {
        for (var i = 0; i < _tasks.Length; i++)
        {
            _tasks[i] = _sink.WriteAsync(_record, CancellationToken.None).AsTask();
        }

        return Task.WhenAll(_tasks);
    }

    [Benchmark]
    public ValueTask EnsureWritablePrivileged() => _sink.EnsureWritableAsync(RiskLevel.Privileged, CancellationToken.None);
}

/// <summary>
/// Issue 8: sustained records per second into PostgreSQL on this machine (loopback): the shipper's own path — read the
/// outbox files, check the chain, look up the batch's range, insert 500 rows with one statement, write the
/// checkpoint — for 5,000 records into a fresh table. Needs TEST_POSTGRES_CONNECTION_STRING (build/services/start.sh).
/// </summary>
[ShortRunJob]
public class AuditPostgreSqlShippingBenchmarks
{
    private const int Records = 5000;
    private const int Batch = 500;
    private string _directory = string.Empty;
    private string _admin = string.Empty;
    private string _database = string.Empty;
    private string _connectionString = string.Empty;
    private string _chain = string.Empty;
    private PostgreSqlAuditTarget? _target;

    [GlobalSetup]
    public void Setup()
    {
        _admin = Environment.GetEnvironmentVariable("TEST_POSTGRES_CONNECTION_STRING") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException("TEST_POSTGRES_CONNECTION_STRING is not set: run eval \"$(bash build/services/start.sh)\" first.");
        _database = "bench_" + Guid.NewGuid().ToString("N")[..12];
        Execute(_admin, $"CREATE DATABASE \"{_database}\"");
        _connectionString = new NpgsqlConnectionStringBuilder(_admin) { Database = _database }.ConnectionString;
        _directory = Path.Combine(Path.GetTempPath(), "msil-bench-outbox-" + Guid.NewGuid().ToString("N")[..8]);
        var sink = AuditBench.CreateSink(_directory, AuditDurability.Queued);
        sink.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        var now = TimeProvider.System.GetUtcNow();
        for (var i = 0; i < Records; i++)
        {
            sink.WriteAsync(new AuditRecord { Id = "r" + i, Timestamp = now, Action = AuditActions.ToolCall, Outcome = AuditOutcomes.Success, UserId = "u" + (i % 50), ToolName = "tool_" + (i % 20), PolicyAllow = true, ArgumentsHash = new string('a', 64), LatencyMs = 3.2 }, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }

        _chain = sink.ChainId;
        sink.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [IterationSetup]
    public void NewTable()
    {
        var options = new AuditOptions();
        options.PostgreSql.ConnectionString = _connectionString;
        options.PostgreSql.TableName = "audit_" + Guid.NewGuid().ToString("N")[..8];
        _target = new PostgreSqlAuditTarget(Options.Create(options), TimeProvider.System, NullLogger<PostgreSqlAuditTarget>.Instance);
        _target.InitializeAsync(_chain, ShipPosition.Start, CancellationToken.None).GetAwaiter().GetResult();
    }

    [IterationCleanup]
    public void DisposeTarget() => _target!.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(OperationsPerInvoke = Records)]
    public async Task ShipFromOutbox()
    {
        var reader = new OutboxReader(_directory);
        var position = ShipPosition.Start;
        var batch = new List<ChainedRecord>(Batch);
        while (reader.Read(batch, Batch) > 0)
        {
            position = await _target!.ShipAsync(_chain, batch, position, CancellationToken.None);
            ShipCheckpoint.Write(_directory, "bench", "bench", _chain, position);
            batch.Clear();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NpgsqlConnection.ClearAllPools();
        Execute(_admin, $"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)");
        Directory.Delete(_directory, recursive: true);
    }

    private static void Execute(string connectionString, string sql)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}

internal static class AuditBench
{
    public static FileAuditSink CreateSink(string directory, AuditDurability durability)
    {
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var options = Options.Create(new AuditOptions { Directory = directory, Durability = durability });
        return new FileAuditSink(options, new BenchEnvironment(directory), TimeProvider.System, new AuditTelemetry(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()), NullLogger<FileAuditSink>.Instance);
    }

    private sealed class BenchEnvironment(string root) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Production";

        public string ApplicationName { get; set; } = "bench";

        public string ContentRootPath { get; set; } = root;

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}

/// <summary>
/// Issue 8: the cost of recording a call's arguments with sensitive values redacted (part of the audit stage): a
/// typical six-argument call, two of them sensitive (one by schema, one by name), plan cached per tool.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class AuditArgumentRedactionBenchmarks
{
    private IAuditArgumentRedactor _redactor = null!;
    private ToolDefinition _tool = null!;
    private Dictionary<string, System.Text.Json.JsonElement> _arguments = null!;

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddMsilMcp().AddAudit();
        _redactor = services.BuildServiceProvider().GetRequiredService<IAuditArgumentRedactor>();
        _tool = new ToolDefinition
        {
            Name = "update_customer",
            Description = "Updates a customer.",
            RiskLevel = RiskLevel.Write,
            InputSchema = System.Text.Json.JsonDocument.Parse("""
                {"type":"object","properties":{"customer_id":{"type":"string"},"name":{"type":"string"},
                 "vin":{"type":"string","x-msil-classification":"personal"},"mileage":{"type":"integer"},
                 "city":{"type":"string"},"email":{"type":"string"}}}
                """).RootElement.Clone(),
            Executor = "bench",
            Source = "bench",
            ContentHash = "bench",
        };
        using var doc = System.Text.Json.JsonDocument.Parse("""
            {"customer_id":"C-1001","name":"Asha Rao","vin":"MA3EWDE1S00123456","mileage":42000,"city":"Gurugram","email":"asha@example.test"}
            """);
        _arguments = doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
    }

    [Benchmark]
    public string? RedactSixArguments() => _redactor.Redact(_tool, _arguments);
}
