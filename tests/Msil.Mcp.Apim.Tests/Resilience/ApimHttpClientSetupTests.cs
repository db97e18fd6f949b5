using Microsoft.Extensions.Http.Resilience;
using Msil.Mcp.Apim.Resilience;
using Msil.Mcp.Apim.Tests.Infrastructure;
using Polly.Registry;
using Polly.Telemetry;

namespace Msil.Mcp.Apim.Tests.Resilience;

/// <summary>
/// How a gateway's client is put together: the library's resilience handler with the gateway's pipeline from Polly's
/// registry, Polly telemetry from the host's options, and the factory's logging handlers only when asked for.
/// </summary>
public sealed class ApimHttpClientSetupTests
{
    private const string LoggingHandler = "Microsoft.Extensions.Http.Logging.LoggingHttpMessageHandler";
    private const string LoggingScopeHandler = "Microsoft.Extensions.Http.Logging.LoggingScopeHttpMessageHandler";

    private static List<DelegatingHandler> Chain(ApimHarness harness, string clientName)
    {
        var handlers = new List<DelegatingHandler>();
        for (var handler = harness.Services.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(clientName); handler is DelegatingHandler d; handler = d.InnerHandler)
        {
            handlers.Add(d);
        }

        return handlers;
    }

    private static void Gateways(ApimOptions o)
    {
        o.GatewayUrl = new Uri("https://apim.example");
        o.Gateways["payments"] = new ApimGatewayOptions { GatewayUrl = new Uri("https://payments.example") };
    }

    [Theory]
    [InlineData(null)]
    [InlineData("payments")]
    public async Task CreateHandler_GatewayClient_RunsTheLibrarysResilienceHandlerWithTheRegistrysPipeline(string? gateway)
    {
        await using var harness = ApimHarness.Create(Gateways);
        var clientName = ApimGatewayRegistry.ClientNameFor(gateway);

        var chain = Chain(harness, clientName);

        var refusal = chain.FindIndex(h => h is UnsendableRequestHandler);
        var resilience = chain.FindIndex(h => h.GetType() == typeof(ResilienceHandler));
        Assert.True(refusal >= 0 && resilience == refusal + 1, string.Join(", ", chain.Select(h => h.GetType().Name)));
        Assert.Single(chain, h => h is ResilienceHandler);
        Assert.True(harness.Services.GetRequiredService<ApimGatewayRegistry>().TryGet(gateway, out var runtime));
        Assert.Same(runtime.Pipeline, harness.Services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline<HttpResponseMessage>(clientName));
    }

    [Fact]
    public async Task CreateHandler_ByDefault_HasNoFactoryLoggingHandlers()
    {
        await using var harness = ApimHarness.Create(Gateways);

        foreach (var name in new[] { "Msil.Mcp.Apim", "Msil.Mcp.Apim:payments" })
        {
            Assert.DoesNotContain(Chain(harness, name), h => h.GetType().FullName is LoggingHandler or LoggingScopeHandler);
        }
    }

    [Fact]
    public async Task CreateHandler_HttpClientLoggingOn_KeepsTheFactoryLoggingHandlers()
    {
        await using var harness = ApimHarness.Create(o =>
        {
            Gateways(o);
            o.HttpClientLogging = true;
        });

        foreach (var name in new[] { "Msil.Mcp.Apim", "Msil.Mcp.Apim:payments" })
        {
            var types = Chain(harness, name).Select(h => h.GetType().FullName).ToList();
            Assert.Contains(LoggingScopeHandler, types);
            Assert.Contains(LoggingHandler, types);
        }
    }

    [Fact]
    public async Task CreateHandler_OtherClients_KeepTheirLogging()
    {
        await using var harness = ApimHarness.Create(Gateways, services => services.AddHttpClient("other"));

        Assert.Contains(Chain(harness, "other"), h => h.GetType().FullName == LoggingScopeHandler);
    }

    [Fact]
    public async Task Breaker_StateChangesAndRefusals_ReachTheHostsPollyTelemetry()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = Reply.Status503;
        var listener = new RecordingListener();
        await using var harness = ApimHarness.Create(
            o =>
            {
                ApimHarness.Fast(o, backend.Url);
                o.RetryMaxAttempts = 0;
                o.CircuitBreakerThreshold = 1;
                o.CircuitBreakerBreakDuration = TimeSpan.FromSeconds(30);
            },
            services => services.Configure<TelemetryOptions>(t => t.TelemetryListeners.Add(listener)));
        var tool = ApimHarness.Tool("polly_events", "GET", "/v1/x");

        await harness.CallAsync(tool);
        await harness.CallAsync(tool);

        Assert.Equal(
            [("Msil.Mcp.Apim", "default", "breaker", "OnCircuitOpened"), ("Msil.Mcp.Apim", "default", "breaker", "OnCircuitRejected")],
            listener.Events);
    }

    [Fact]
    public async Task NamedClient_UsedDirectly_RetriesOnlyWhatIsSafeByMethod()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));
        var client = harness.Services.GetRequiredService<IHttpClientFactory>().CreateClient(ApimToolExecutor.HttpClientName);

        backend.Enqueue(Reply.Status503);
        using var get = await client.GetAsync(new Uri(backend.Url, "/v1/x"), TestContext.Current.CancellationToken);
        Assert.Equal(200, (int)get.StatusCode);
        Assert.Equal(2, backend.Count);

        backend.Enqueue(Reply.Status503);
        using var post = await client.PostAsync(new Uri(backend.Url, "/v1/x"), new StringContent("{}"), TestContext.Current.CancellationToken);
        Assert.Equal(503, (int)post.StatusCode);
        Assert.Equal(3, backend.Count);
    }

    private sealed class RecordingListener : TelemetryListener
    {
        private readonly List<(string?, string?, string?, string)> _events = [];

        public List<(string?, string?, string?, string)> Events
        {
            get
            {
                lock (_events)
                {
                    return [.. _events];
                }
            }
        }

        public override void Write<TResult, TArgs>(in TelemetryEventArguments<TResult, TArgs> args)
        {
            if (args.Event.EventName.StartsWith("OnCircuit", StringComparison.Ordinal))
            {
                lock (_events)
                {
                    _events.Add((args.Source.PipelineName, args.Source.PipelineInstanceName, args.Source.StrategyName, args.Event.EventName));
                }
            }
        }
    }
}
