using System.Collections.Concurrent;
using System.Text.Json;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Elevation.Tests.Support;

/// <summary>A read, a write and two privileged tools, run by <see cref="CountingExecutor"/>.</summary>
internal static class TestTools
{
    public const string Read = "get_vehicle_inventory";
    public const string Write = "create_booking";
    public const string Privileged = "delete_customer_data";
    public const string OtherPrivileged = "purge_dealer_data";

    public static IReadOnlyList<ToolDefinition> All { get; } =
    [
        Define(Read, RiskLevel.Read),
        Define(Write, RiskLevel.Write),
        Define(Privileged, RiskLevel.Privileged),
        Define(OtherPrivileged, RiskLevel.Privileged),
    ];

    public static ToolDefinition Get(string name) => All.Single(t => t.Name == name);

    public static ToolDefinition Define(string name, RiskLevel risk) => new()
    {
        Name = name,
        Description = "Test tool " + name,
        RiskLevel = risk,
        InputSchema = JsonDocument.Parse("""{"type":"object","properties":{"id":{"type":"string"},"reason":{"type":"string"}},"additionalProperties":false}""").RootElement.Clone(),
        Executor = CountingExecutor.ExecutorKind,
        Source = "test",
        ContentHash = "hash-" + name,
    };

    public static IReadOnlyDictionary<string, JsonElement> Args(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
    }
}

/// <summary>Runs every test tool and counts how often each ran.</summary>
internal sealed class CountingExecutor : IToolExecutor
{
    public const string ExecutorKind = "test";

    private readonly ConcurrentDictionary<string, int> _runs = new(StringComparer.Ordinal);

    public string Kind => ExecutorKind;

    public int Runs(string tool) => _runs.TryGetValue(tool, out var n) ? n : 0;

    public ValueTask<ToolResult> ExecuteAsync(ToolInvocation invocation, CancellationToken cancellationToken)
    {
        _runs.AddOrUpdate(invocation.Tool.Name, 1, (_, n) => n + 1);
        var text = $$"""{"ok":true,"tool":"{{invocation.Tool.Name}}"}""";
        return new(new ToolResult
        {
            Text = text,
            StructuredContent = JsonDocument.Parse(text).RootElement.Clone(),
            Size = text.Length,
        });
    }
}

/// <summary>Allows every call, so that the elevation stage is what decides.</summary>
internal sealed class AllowAllPolicy : IPolicyDecisionPoint
{
    public ValueTask<PolicyDecision> EvaluateAsync(PolicyRequest request, CancellationToken cancellationToken)
        => new(PolicyDecision.Allowed("test allows everything", "test"));
}

/// <summary>Keeps every audit record in memory.</summary>
internal sealed class RecordingAuditSink : IAuditSink
{
    private readonly List<AuditRecord> _records = [];

    public IReadOnlyList<AuditRecord> Records
    {
        get
        {
            lock (_records)
            {
                return _records.ToArray();
            }
        }
    }

    public IReadOnlyList<AuditRecord> WithAction(string action) => Records.Where(r => r.Action == action).ToArray();

    public ValueTask WriteAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        lock (_records)
        {
            _records.Add(record);
        }

        return ValueTask.CompletedTask;
    }
}
