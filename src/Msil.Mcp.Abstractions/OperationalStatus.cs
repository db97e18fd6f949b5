namespace Msil.Mcp.Abstractions;

/// <summary>The state of a backend gateway's circuit breaker.</summary>
public enum GatewayCircuitState
{
    /// <summary>Calls go through.</summary>
    Closed,

    /// <summary>Calls are refused until the break ends.</summary>
    Open,

    /// <summary>A trial call decides whether the circuit closes again.</summary>
    HalfOpen,
}

/// <summary>The circuit state of one backend gateway.</summary>
/// <param name="Name">The gateway's name (the default gateway is <c>default</c>).</param>
/// <param name="State">Its circuit breaker's state.</param>
public sealed record GatewayCircuit(string Name, GatewayCircuitState State);

/// <summary>
/// Reports the circuit state of the backend gateways a package calls (the API-manager package registers one), for the
/// admin health endpoint (<c>GET /api/mcp/admin/health</c>).
/// </summary>
public interface IGatewayCircuitSource
{
    /// <summary>Returns the state of every gateway built so far.</summary>
    /// <returns>One entry per gateway.</returns>
    IReadOnlyList<GatewayCircuit> GetCircuits();
}

/// <summary>
/// Reports how far the audit outbox's shipping lags behind its writes (the audit package registers one), for the admin
/// health endpoint (<c>GET /api/mcp/admin/health</c>).
/// </summary>
public interface IAuditOutboxStatus
{
    /// <summary>Gets the records written to the outbox and not yet shipped to every target (the largest lag of any target).</summary>
    long Lag { get; }
}
