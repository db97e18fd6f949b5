using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Msil.Mcp.Apim.Resilience;

/// <summary>Runs each attempt through a gateway's <see cref="CountingCircuitBreaker"/> (a custom Polly strategy).</summary>
internal sealed class CircuitBreakerStrategy(GatewayRuntime gateway) : ResilienceStrategy<HttpResponseMessage>
{
    protected override async ValueTask<Outcome<HttpResponseMessage>> ExecuteCore<TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<HttpResponseMessage>>> callback,
        ResilienceContext context,
        TState state)
    {
        var breaker = gateway.Breaker;
        var call = context.Properties.GetValue(ApimCall.PropertyKey, null!);
        if (!breaker.TryAcquire(out var isProbe, out var retryAfter))
        {
            call.CircuitRetryAfter = retryAfter;
            gateway.OnRejected(call);
            return Outcome.FromException<HttpResponseMessage>(new BrokenCircuitException(
                $"The circuit breaker of gateway '{gateway.Name}' is open; the next probe may go through in {Math.Ceiling(retryAfter.TotalSeconds)} s."));
        }

        if (isProbe)
        {
            GatewayRuntime.TraceCircuit(call, CircuitState.HalfOpen);
        }

        call.Attempts++;
        Outcome<HttpResponseMessage> outcome;
        try
        {
            outcome = await callback(context, state).ConfigureAwait(context.ContinueOnCapturedContext);
        }
        catch
        {
            breaker.OnIgnored(isProbe);
            throw;
        }

        CircuitState? changed;
        if (IsFailure(outcome))
        {
            changed = breaker.OnFailure(isProbe);
        }
        else if (outcome.Exception is not null)
        {
            // Cancelled by the caller (or the overall timeout), or a fault of this process: says nothing about the gateway.
            breaker.OnIgnored(isProbe);
            changed = null;
        }
        else
        {
            changed = breaker.OnSuccess(isProbe);
        }

        if (changed is { } now)
        {
            GatewayRuntime.TraceCircuit(call, now);
        }

        return outcome;
    }

    /// <summary>
    /// Returns whether an attempt counts against the gateway: a 5xx or 408 answer, an attempt timeout or a connection
    /// failure. A 429 does not: the gateway is throttling, not failing, and says when to come back.
    /// </summary>
    internal static bool IsFailure(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: TimeoutRejectedException or HttpRequestException } => true,
        { Exception: not null } => false,
        { Result: { } response } => (int)response.StatusCode >= 500 || response.StatusCode == System.Net.HttpStatusCode.RequestTimeout,
        _ => false,
    };
}
