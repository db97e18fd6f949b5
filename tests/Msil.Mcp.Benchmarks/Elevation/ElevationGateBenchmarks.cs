using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Hosting.Internal;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Elevation;

namespace Msil.Mcp.Benchmarks.Elevation;

/// <summary>What the elevation benchmarks share: a caller, a privileged tool, its arguments and a service provider.</summary>
internal static class ElevationBench
{
    public static readonly CallerIdentity Carol = new() { UserId = "carol@example.test", Subject = "sub-carol", Roles = ["admin"] };

    public static readonly ToolDefinition Tool = Define("delete_customer_data");

    public static readonly ToolDefinition Ungranted = Define("purge_dealer_data");

    public static readonly IReadOnlyDictionary<string, JsonElement> Arguments = new Dictionary<string, JsonElement>
    {
        ["id"] = JsonDocument.Parse("\"C042\"").RootElement.Clone(),
        ["reason"] = JsonDocument.Parse("\"GDPR erasure request 2026-0042\"").RootElement.Clone(),
    };

    public static ServiceProvider Build(Action<ElevationOptions> configure)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IHostEnvironment>(new HostingEnvironment { EnvironmentName = "Production", ApplicationName = "bench", ContentRootPath = AppContext.BaseDirectory });
        services.AddMsilMcp().AddElevation(configure);
        return services.BuildServiceProvider();
    }

    public static ElevationGrant Grant(ToolDefinition tool, bool singleUse = false) => new()
    {
        UserId = Carol.UserId,
        PrincipalKey = Carol.PrincipalKey,
        Scope = tool.Name,
        GrantedAt = TimeProvider.System.GetUtcNow(),
        ExpiresAt = TimeProvider.System.GetUtcNow().AddHours(1),
        ApprovalReference = "PIM-BENCH-1",
        SingleUse = singleUse,
    };

    private static ToolDefinition Define(string name) => new()
    {
        Name = name,
        Description = "bench",
        RiskLevel = RiskLevel.Privileged,
        InputSchema = JsonDocument.Parse("""{"type":"object"}""").RootElement.Clone(),
        Executor = "http",
        Source = "bench",
        ContentHash = "bench-" + name,
    };
}

/// <summary>The elevation stage of a privileged call with the embedded in-memory store.</summary>
[ShortRunJob]
[MemoryDiagnoser]
public class ElevationGateMemoryBenchmarks
{
    private ServiceProvider _provider = null!;
    private IElevationGate _gate = null!;
    private IElevationGrantStore _store = null!;
    private ElevationGrant _singleUse = null!;

    [GlobalSetup]
    public void Setup()
    {
        _provider = ElevationBench.Build(_ => { });
        _gate = _provider.GetRequiredService<IElevationGate>();
        _store = _provider.GetRequiredService<IElevationGrantStore>();
        _store.SaveAsync(ElevationBench.Grant(ElevationBench.Tool), CancellationToken.None).AsTask().GetAwaiter().GetResult();
        _singleUse = ElevationBench.Grant(ElevationBench.Ungranted, singleUse: true);
    }

    [GlobalCleanup]
    public void Cleanup() => _provider.Dispose();

    /// <summary>A reusable grant covers the call.</summary>
    [Benchmark(Baseline = true)]
    public ValueTask<ElevationCheck> CheckGranted() => _gate.CheckAsync(ElevationBench.Carol, ElevationBench.Tool, ElevationBench.Arguments, "bench-corr", CancellationToken.None);

    /// <summary>No grant: the outcome carries the elevation URL.</summary>
    [Benchmark]
    public ValueTask<ElevationCheck> CheckRequired() => _gate.CheckAsync(ElevationBench.Carol, ElevationBench.Ungranted, ElevationBench.Arguments, "bench-corr", CancellationToken.None);

    /// <summary>Store a single-use grant, then the call consumes it (hash of the arguments, atomic removal, audit, metric).</summary>
    [Benchmark]
    public async ValueTask<ElevationCheck> SaveThenConsumeSingleUse()
    {
        await _store.SaveAsync(_singleUse, CancellationToken.None);
        return await _gate.CheckAsync(ElevationBench.Carol, ElevationBench.Ungranted, ElevationBench.Arguments, "bench-corr", CancellationToken.None);
    }
}

/// <summary>
/// The elevation stage with the Redis store on loopback (REDIS_CONNECTION_STRING, as exported by
/// build/services/start.sh): one GET per reusable-grant check, SET + one Lua EVAL per single-use grant.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class ElevationGateRedisBenchmarks
{
    private ServiceProvider _provider = null!;
    private IElevationGate _gate = null!;
    private IElevationGrantStore _store = null!;
    private ElevationGrant _singleUse = null!;

    [GlobalSetup]
    public void Setup()
    {
        var connection = Environment.GetEnvironmentVariable("REDIS_CONNECTION_STRING");
        if (string.IsNullOrEmpty(connection))
        {
            throw new InvalidOperationException("REDIS_CONNECTION_STRING is not set: start the test services with eval \"$(bash build/services/start.sh)\" before build/bench.sh --filter '*Elevation*'.");
        }

        _provider = ElevationBench.Build(o =>
        {
            o.Store = ElevationGrantStoreKind.Redis;
            o.RedisConnectionString = connection;
            o.RedisKeyPrefix = $"bench:elevation:{Guid.NewGuid():N}:";
        });
        _gate = _provider.GetRequiredService<IElevationGate>();
        _store = _provider.GetRequiredService<IElevationGrantStore>();
        _store.SaveAsync(ElevationBench.Grant(ElevationBench.Tool), CancellationToken.None).AsTask().GetAwaiter().GetResult();
        _singleUse = ElevationBench.Grant(ElevationBench.Ungranted, singleUse: true);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.RevokeAsync(ElevationBench.Carol.PrincipalKey, ElevationBench.Tool.Name, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        _store.RevokeAsync(ElevationBench.Carol.PrincipalKey, ElevationBench.Ungranted.Name, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        _provider.Dispose();
    }

    /// <summary>A reusable grant covers the call: one GET.</summary>
    [Benchmark(Baseline = true)]
    public ValueTask<ElevationCheck> CheckGranted() => _gate.CheckAsync(ElevationBench.Carol, ElevationBench.Tool, ElevationBench.Arguments, "bench-corr", CancellationToken.None);

    /// <summary>No grant: one GET that misses, and the elevation URL.</summary>
    [Benchmark]
    public ValueTask<ElevationCheck> CheckRequired() => _gate.CheckAsync(ElevationBench.Carol, ElevationBench.Ungranted, ElevationBench.Arguments, "bench-corr", CancellationToken.None);

    /// <summary>SET a single-use grant, then the call consumes it: GET + EVAL of the consume script.</summary>
    [Benchmark]
    public async ValueTask<ElevationCheck> SaveThenConsumeSingleUse()
    {
        await _store.SaveAsync(_singleUse, CancellationToken.None);
        return await _gate.CheckAsync(ElevationBench.Carol, ElevationBench.Ungranted, ElevationBench.Arguments, "bench-corr", CancellationToken.None);
    }
}
