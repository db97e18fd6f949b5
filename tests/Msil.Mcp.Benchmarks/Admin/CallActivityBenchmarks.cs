using BenchmarkDotNet.Attributes;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Admin;

namespace Msil.Mcp.Benchmarks.Admin;

/// <summary>
/// What the users store and the admin rates add to every governed call (<see cref="CallActivity.Record"/>, called by
/// the audit stage): a dictionary lookup by principal key and interlocked increments, no await. A returning caller is
/// the common case; a new caller adds one entry until the next flush.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class CallActivityBenchmarks
{
    private static readonly CallerIdentity Alice = new() { UserId = "alice", Subject = "sub-alice", Issuer = "https://idp.example", Roles = ["viewer"], Groups = ["sales"] };

    private readonly CallActivity _activity = new();
    private readonly DateTimeOffset _now = TimeProvider.System.GetUtcNow();

    [GlobalSetup]
    public void Setup() => _activity.Record(Alice, AuditOutcomes.Success, _now);

    [Benchmark]
    public void RecordReturningCaller() => _activity.Record(Alice, AuditOutcomes.Success, _now);

    [Benchmark]
    public void RecordDenial() => _activity.Record(Alice, AuditOutcomes.Denied, _now);
}
