using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Policy.Opa;
using Msil.Mcp.Policy.Opa.Embedded;

namespace Msil.Mcp.Benchmarks.Policy;

/// <summary>Policy inputs shared by the benchmarks: bob (operator) asks about a write tool.</summary>
internal static class PolicyBenchmarkRequests
{
    public static PolicyRequest Operator(RiskLevel risk = RiskLevel.Write) => new(
        new CallerIdentity { UserId = "bob", Subject = "sub-bob", Roles = ["viewer", "operator"], Groups = ["dealer-ops", "regional-north"] },
        new ToolDefinition
        {
            Name = risk == RiskLevel.Privileged ? "delete_customer_data" : "process_payment",
            Description = "bench",
            RiskLevel = risk,
            InputSchema = JsonDocument.Parse("""{"type":"object"}""").RootElement.Clone(),
            Executor = "http",
            Source = "bench",
            ContentHash = "bench",
        },
        PolicyAction.Execute);
}

/// <summary>
/// A short run (3 warm-ups, 3 iterations, one launch) with a build timeout long enough for the benchmark project, which
/// references every src project, on a busy 2-core machine (BenchmarkDotNet's default is 2 minutes).
/// </summary>
public sealed class PolicyBenchmarkConfig : ManualConfig
{
    public PolicyBenchmarkConfig()
    {
        AddJob(Job.ShortRun);
        WithBuildTimeout(TimeSpan.FromMinutes(10));
    }
}

/// <summary>The embedded engine: the decision itself, and the registered engine with telemetry and the reload check (target under 5 µs).</summary>
[Config(typeof(PolicyBenchmarkConfig))]
[MemoryDiagnoser]
public class EmbeddedPolicyBenchmarks
{
    private ServiceProvider _provider = null!;
    private IPolicyDecisionPoint _policy = null!;
    private PolicyData _data = null!;
    private PolicyRequest _allow = null!;
    private PolicyRequest _deny = null!;

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMsilMcp().AddOpaPolicy();
        _provider = services.BuildServiceProvider();
        _policy = _provider.GetRequiredService<IPolicyDecisionPoint>();
        _data = EmbeddedPolicyDecisionPoint.Load(null, out _);
        _allow = PolicyBenchmarkRequests.Operator(RiskLevel.Write);
        _deny = PolicyBenchmarkRequests.Operator(RiskLevel.Privileged);
    }

    [GlobalCleanup]
    public void Cleanup() => _provider.Dispose();

    [Benchmark(Baseline = true)]
    public PolicyDecision DecideAllow() => EmbeddedPolicyDecisionPoint.Decide(_data, _allow);

    [Benchmark]
    public PolicyDecision DecideDeny() => EmbeddedPolicyDecisionPoint.Decide(_data, _deny);

    [Benchmark]
    public ValueTask<PolicyDecision> EvaluateAsyncAllow() => _policy.EvaluateAsync(_allow, CancellationToken.None);
}

/// <summary>The OPA engine's round trip on loopback against an in-process fake OPA on Kestrel (HTTP/1.1, pooled connection).</summary>
[Config(typeof(PolicyBenchmarkConfig))]
[MemoryDiagnoser]
public class OpaPolicyBenchmarks
{
    private static readonly byte[] Answer = Encoding.UTF8.GetBytes("""{"result":{"allow":true,"reason":"role 'operator' may use write tools","decision":{"allow":true,"reason":"role 'operator' may use write tools"}}}""");

    private WebApplication _opa = null!;
    private ServiceProvider _uncached = null!;
    private ServiceProvider _cached = null!;
    private IPolicyDecisionPoint _uncachedPolicy = null!;
    private IPolicyDecisionPoint _cachedPolicy = null!;
    private PolicyRequest _request = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _opa = builder.Build();
        _opa.MapPost("/v1/data/msil/authz", async context =>
        {
            // Read the input as OPA would, then answer.
            await context.Request.BodyReader.ReadAllAsync();
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(Answer);
        });
        await _opa.StartAsync();
        var endpoint = new Uri(_opa.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        (_uncached, _uncachedPolicy) = Build(endpoint, TimeSpan.Zero);
        (_cached, _cachedPolicy) = Build(endpoint, TimeSpan.FromMinutes(1));
        _request = PolicyBenchmarkRequests.Operator();
        await _cachedPolicy.EvaluateAsync(_request, CancellationToken.None);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _uncached.Dispose();
        _cached.Dispose();
        await _opa.StopAsync();
        await _opa.DisposeAsync();
    }

    [Benchmark(Baseline = true)]
    public ValueTask<PolicyDecision> RoundTrip() => _uncachedPolicy.EvaluateAsync(_request, CancellationToken.None);

    [Benchmark]
    public ValueTask<PolicyDecision> CacheHit() => _cachedPolicy.EvaluateAsync(_request, CancellationToken.None);

    private static (ServiceProvider, IPolicyDecisionPoint) Build(Uri endpoint, TimeSpan cache)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMsilMcp().AddOpaPolicy(o =>
        {
            o.Engine = PolicyEngine.Opa;
            o.Endpoint = endpoint;
            o.DecisionCacheDuration = cache;
        });
        var provider = services.BuildServiceProvider();
        return (provider, provider.GetRequiredService<IPolicyDecisionPoint>());
    }
}

internal static class PipeReaderExtensions
{
    public static async Task ReadAllAsync(this System.IO.Pipelines.PipeReader reader)
    {
        while (true)
        {
            var result = await reader.ReadAsync();
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }
}
