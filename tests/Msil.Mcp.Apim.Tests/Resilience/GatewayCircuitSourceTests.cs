using Msil.Mcp.Abstractions;
using Msil.Mcp.Apim.Tests.Infrastructure;

namespace Msil.Mcp.Apim.Tests.Resilience;

/// <summary>The circuit state the admin health endpoint (<c>GET /api/mcp/admin/health</c>) reads through <see cref="IGatewayCircuitSource"/>.</summary>
public sealed class GatewayCircuitSourceTests
{
    [Fact]
    public async Task GetCircuits_FifthFailure_DefaultGatewayOpen()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = Reply.Status503;
        await using var harness = ApimHarness.Create(o =>
        {
            ApimHarness.Fast(o, backend.Url);
            o.RetryMaxAttempts = 0;
            o.CircuitBreakerBreakDuration = TimeSpan.FromSeconds(30);
        });
        var source = Assert.Single(harness.Services.GetServices<IGatewayCircuitSource>());
        var get = ApimHarness.Tool("get_thing", "GET", "/v1/x");

        await harness.CallAsync(get);
        Assert.Equal([new GatewayCircuit("default", GatewayCircuitState.Closed)], source.GetCircuits());
        for (var i = 0; i < 4; i++)
        {
            await harness.CallAsync(get);
        }

        Assert.Equal([new GatewayCircuit("default", GatewayCircuitState.Open)], source.GetCircuits());
    }
}
