using Msil.Mcp.Abstractions;
using Msil.Mcp.Apim.Tests.Infrastructure;

namespace Msil.Mcp.Apim.Tests;

/// <summary>Registration: idempotent, one executor, and gateway clients that keep their own resilience whatever the host adds.</summary>
public sealed class ApimMsilMcpBuilderExtensionsTests
{
    [Fact]
    public async Task AddApim_Twice_RegistersOneExecutor()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMsilMcp().AddApim(o => o.GatewayUrl = new Uri("https://apim.example")).AddApim();
        await using var provider = services.BuildServiceProvider();

        var executors = provider.GetServices<IToolExecutor>().Where(e => e.Kind == "http").ToList();

        Assert.Single(executors);
        Assert.Single(services, d => d.ServiceType == typeof(ApimToolExecutor));
    }

    [Fact]
    public async Task AddApim_HostWideStandardResilienceHandler_IsRemovedSoPostIsNotRetried()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = Reply.Status503;

        // Service defaults often add a standard resilience handler to every client; its retries would resend a POST.
        await using var harness = ApimHarness.Create(
            o => ApimHarness.Fast(o, backend.Url),
            services => services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler()));
        var tool = ApimHarness.Tool("process_payment", "POST", "/v1/payments", risk: RiskLevel.Write);

        var result = await harness.CallAsync(tool);

        Assert.True(result.IsError);
        Assert.Equal(1, backend.Count);
    }

    [Fact]
    public async Task AddApim_HostHandlerOnTheGatewayClient_RunsOnEveryAttempt()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Enqueue(Reply.Status503);
        var counter = new CountingHandler();
        await using var harness = ApimHarness.Create(
            o => ApimHarness.Fast(o, backend.Url),
            services => services.AddHttpClient(ApimToolExecutor.HttpClientName).AddHttpMessageHandler(() => counter));

        var result = await harness.CallAsync(ApimHarness.Tool("t", "GET", "/v1/x"));

        Assert.False(result.IsError, result.Text);
        Assert.Equal(2, counter.Count);
    }

    private sealed class CountingHandler : DelegatingHandler
    {
        private int _count;

        public int Count => _count;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
