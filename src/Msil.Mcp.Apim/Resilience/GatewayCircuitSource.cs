using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Apim.Resilience;

/// <summary>The circuit state of every gateway called so far, for the admin health endpoint.</summary>
internal sealed class GatewayCircuitSource(ApimGatewayRegistry registry) : IGatewayCircuitSource
{
    public IReadOnlyList<GatewayCircuit> GetCircuits()
        => [.. registry.Built.Select(g => new GatewayCircuit(g.Name, g.Breaker.State switch
        {
            CircuitState.Open => GatewayCircuitState.Open,
            CircuitState.HalfOpen => GatewayCircuitState.HalfOpen,
            _ => GatewayCircuitState.Closed,
        }))];
}
