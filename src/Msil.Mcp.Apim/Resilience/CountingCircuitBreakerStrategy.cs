using System.Globalization;
using Polly;
using Polly.CircuitBreaker;
using Polly.Telemetry;

namespace Msil.Mcp.Apim.Resilience;

/// <summary>
/// Runs each attempt through a <see cref="CountingCircuitBreaker"/>, reporting its state changes and refusals as Polly
/// resilience events and to the options' callbacks.
/// </summary>
internal sealed class CountingCircuitBreakerStrategy(
    CountingCircuitBreaker breaker,
    CountingCircuitBreakerStrategyOptions options,
    ResilienceStrategyTelemetry telemetry) : ResilienceStrategy<HttpResponseMessage>
{
    public const string OnCircuitOpened = "OnCircuitOpened";
    public const string OnCircuitClosed = "OnCircuitClosed";
    public const string OnCircuitHalfOpened = "OnCircuitHalfOpened";
    public const string OnCircuitRejected = "OnCircuitRejected";

    private readonly Func<CircuitBreakerPredicateArguments<HttpResponseMessage>, ValueTask<bool>> _shouldHandle = options.ShouldHandle;
    private readonly Func<OnCircuitOpenedArguments<HttpResponseMessage>, ValueTask>? _onOpened = options.OnOpened;
    private readonly Func<OnCircuitClosedArguments<HttpResponseMessage>, ValueTask>? _onClosed = options.OnClosed;
    private readonly Func<OnCircuitHalfOpenedArguments, ValueTask>? _onHalfOpened = options.OnHalfOpened;
    private readonly Func<OnCountingCircuitRejectedArguments, ValueTask>? _onRejected = options.OnRejected;

    protected override async ValueTask<Outcome<HttpResponseMessage>> ExecuteCore<TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<HttpResponseMessage>>> callback,
        ResilienceContext context,
        TState state)
    {
        if (!breaker.TryAcquire(out var isProbe, out var retryAfter))
        {
            var rejected = new OnCountingCircuitRejectedArguments(context, retryAfter);
            telemetry.Report(new ResilienceEvent(ResilienceEventSeverity.Debug, OnCircuitRejected), context, rejected);
            if (_onRejected is not null)
            {
                await _onRejected(rejected).ConfigureAwait(context.ContinueOnCapturedContext);
            }

            return Outcome.FromException<HttpResponseMessage>(new BrokenCircuitException(string.Create(
                CultureInfo.InvariantCulture,
                $"The circuit breaker is open; the next probe may go through in {Math.Ceiling(retryAfter.TotalSeconds)} s.")));
        }

        if (isProbe)
        {
            var halfOpened = new OnCircuitHalfOpenedArguments(context);
            telemetry.Report(new ResilienceEvent(ResilienceEventSeverity.Warning, OnCircuitHalfOpened), context, halfOpened);
            if (_onHalfOpened is not null)
            {
                await _onHalfOpened(halfOpened).ConfigureAwait(context.ContinueOnCapturedContext);
            }
        }

        Outcome<HttpResponseMessage> outcome;
        bool failed;
        try
        {
            outcome = await callback(context, state).ConfigureAwait(context.ContinueOnCapturedContext);
            failed = await _shouldHandle(new CircuitBreakerPredicateArguments<HttpResponseMessage>(context, outcome)).ConfigureAwait(context.ContinueOnCapturedContext);
        }
        catch
        {
            breaker.OnIgnored(isProbe);
            throw;
        }

        if (failed)
        {
            if (breaker.OnFailure(isProbe) is CircuitState.Open)
            {
                var opened = new OnCircuitOpenedArguments<HttpResponseMessage>(context, outcome, breaker.BreakDuration, isManual: false);
                telemetry.Report(new ResilienceEvent(ResilienceEventSeverity.Error, OnCircuitOpened), context, outcome, opened);
                if (_onOpened is not null)
                {
                    await _onOpened(opened).ConfigureAwait(context.ContinueOnCapturedContext);
                }
            }
        }
        else if (outcome.Exception is not null)
        {
            // Cancelled by the caller (or an outer timeout), or a fault of this process: says nothing about the service.
            breaker.OnIgnored(isProbe);
        }
        else if (breaker.OnSuccess(isProbe) is CircuitState.Closed)
        {
            var closed = new OnCircuitClosedArguments<HttpResponseMessage>(context, outcome, isManual: false);
            telemetry.Report(new ResilienceEvent(ResilienceEventSeverity.Information, OnCircuitClosed), context, outcome, closed);
            if (_onClosed is not null)
            {
                await _onClosed(closed).ConfigureAwait(context.ContinueOnCapturedContext);
            }
        }

        return outcome;
    }
}
