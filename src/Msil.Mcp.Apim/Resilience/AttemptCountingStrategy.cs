using Polly;

namespace Msil.Mcp.Apim.Resilience;

/// <summary>Counts the attempts the circuit breaker let through (<see cref="ApimCall.Attempts"/>, shown in results, logs and traces).</summary>
internal sealed class AttemptCountingStrategy : ResilienceStrategy<HttpResponseMessage>
{
    protected override ValueTask<Outcome<HttpResponseMessage>> ExecuteCore<TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<HttpResponseMessage>>> callback,
        ResilienceContext context,
        TState state)
    {
        ApimCall.Of(context).Attempts++;
        return callback(context, state);
    }
}
