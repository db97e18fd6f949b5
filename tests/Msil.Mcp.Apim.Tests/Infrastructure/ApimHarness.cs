using System.Text.Json;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Apim.Tests.Infrastructure;

/// <summary>The APIM executor in a service provider of its own, with a fake downstream token provider.</summary>
public sealed class ApimHarness : IAsyncDisposable
{
    public const string SubscriptionKey = "sub-key-7f3a9c";

    private readonly ServiceProvider _services;

    private ApimHarness(ServiceProvider services) => _services = services;

    public IServiceProvider Services => _services;

    internal ApimToolExecutor Executor => _services.GetRequiredService<ApimToolExecutor>();

    /// <summary>Builds the harness in <paramref name="environment"/>; the options are validated as the host would on start.</summary>
    public static ApimHarness Create(Action<ApimOptions> configure, Action<IServiceCollection>? services = null, string environment = "Development")
    {
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddSingleton<IHostEnvironment>(new HostingEnvironment { EnvironmentName = environment, ApplicationName = "tests", ContentRootPath = AppContext.BaseDirectory });
        collection.AddMsilMcp()
            .UseDownstreamTokenProvider<FakeTokens>()
            .AddApim(configure);
        services?.Invoke(collection);
        var provider = collection.BuildServiceProvider(validateScopes: true);
        _ = provider.GetRequiredService<IOptions<ApimOptions>>().Value;
        return new ApimHarness(provider);
    }

    /// <summary>Fast timings for tests: 10 ms backoff (50 ms cap), 300 ms break, generous timeouts.</summary>
    public static void Fast(ApimGatewayOptions o, Uri url)
    {
        o.GatewayUrl = url;
        o.SubscriptionKey = SubscriptionKey;
        o.DefaultAudience = "api://backend";
        o.ConnectTimeout = TimeSpan.FromSeconds(2);
        o.ReadTimeout = TimeSpan.FromSeconds(3);
        o.TotalTimeout = TimeSpan.FromSeconds(8);
        o.RetryBackoffBase = TimeSpan.FromMilliseconds(10);
        o.RetryBackoffMax = TimeSpan.FromMilliseconds(50);
        o.CircuitBreakerBreakDuration = TimeSpan.FromMilliseconds(300);
    }

    public static ToolDefinition Tool(
        string name,
        string method,
        string path,
        HttpParameterBinding[]? parameters = null,
        RiskLevel risk = RiskLevel.Read,
        bool? idempotent = null,
        string? gateway = null,
        string? bodyContentType = null,
        string? outputSchema = null,
        string? inputSchema = null) => new()
        {
            Name = name,
            Description = "A test tool.",
            RiskLevel = risk,
            InputSchema = JsonElement.Parse(inputSchema ?? """{"type":"object"}"""),
            OutputSchema = outputSchema is null ? null : JsonElement.Parse(outputSchema),
            Executor = "http",
            Source = "test",
            Idempotent = idempotent,
            ContentHash = name + "-hash",
            Http = new HttpBinding
            {
                Method = method,
                PathTemplate = path,
                Parameters = parameters ?? [],
                Gateway = gateway,
                BodyContentType = bodyContentType,
            },
        };

    public static ToolInvocation Invocation(ToolDefinition tool, string arguments = "{}", string? idempotencyKey = null) => new()
    {
        Tool = tool,
        Arguments = JsonElement.Parse(arguments).EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal),
        Caller = new CallerIdentity { UserId = "alice", Subject = "alice-sub" },
        CorrelationId = "corr-123",
        SubjectToken = new SensitiveString("subject-token"),
        IdempotencyKey = idempotencyKey ?? "mcp-" + Guid.NewGuid().ToString("N"),
    };

    public async Task<ToolResult> CallAsync(ToolDefinition tool, string arguments = "{}", string? idempotencyKey = null)
        => await Executor.ExecuteAsync(Invocation(tool, arguments, idempotencyKey), TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    /// <summary>Returns <c>token-for:{audience}</c>, so tests can see which audience was asked for.</summary>
    private sealed class FakeTokens : IDownstreamTokenProvider
    {
        public ValueTask<SensitiveString?> GetTokenAsync(CallerIdentity caller, SensitiveString? subjectToken, string audience, CancellationToken cancellationToken)
            => new(new SensitiveString("token-for:" + audience));
    }
}
