using System.ComponentModel.DataAnnotations;
using System.Net;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Msil.Mcp.Apim.Resilience;

/// <summary>
/// Options of the count-based circuit breaker, a Polly strategy added with
/// <see cref="CountingCircuitBreakerResiliencePipelineBuilderExtensions.AddCountingCircuitBreaker"/>: it opens when
/// <see cref="FailureThreshold"/> attempts failed within a sliding <see cref="SamplingDuration"/>, stays open for
/// <see cref="BreakDuration"/>, then lets exactly one probe through.
/// </summary>
/// <remarks>
/// <para>Successes do not reset the count: five failures in sixty seconds open the breaker whatever else succeeded in
/// between (the seed's rule, §3.1). Polly's own breaker (<see cref="CircuitBreakerStrategyOptions{TResult}"/>) counts a
/// failure <em>ratio</em> over a minimum throughput instead, which is why this one exists.</para>
/// <para>An outcome <see cref="ShouldHandle"/> accepts is a failure; any other exception (for example the caller's
/// cancellation) says nothing about the downstream service and is ignored; any other result is a success. A successful
/// probe closes the breaker and forgets earlier failures; a failed one opens it again; an ignored one lets the next
/// attempt probe instead. A refused attempt ends with <see cref="BrokenCircuitException"/>.</para>
/// <para>State changes and refusals are reported as Polly resilience events (<c>OnCircuitOpened</c>,
/// <c>OnCircuitClosed</c>, <c>OnCircuitHalfOpened</c>, <c>OnCircuitRejected</c>), so Polly's <c>Polly</c> meter, its
/// logs and any <see cref="Polly.Telemetry.TelemetryListener"/> see them.</para>
/// <para>Validated with DataAnnotations when the pipeline is built, like Polly's own options.</para>
/// </remarks>
public class CountingCircuitBreakerStrategyOptions : ResilienceStrategyOptions
{
    /// <summary>The strategy's default name in telemetry.</summary>
    public const string DefaultName = "CountingCircuitBreaker";

    /// <summary>Initializes a new instance of the <see cref="CountingCircuitBreakerStrategyOptions"/> class with the seed's figures.</summary>
    public CountingCircuitBreakerStrategyOptions() => Name = DefaultName;

    /// <summary>Gets or sets the number of failed attempts within <see cref="SamplingDuration"/> that opens the breaker.</summary>
    /// <value>Defaults to 5; between 1 and 1000.</value>
    [Range(1, 1000)]
    public int FailureThreshold { get; set; } = 5;

    /// <summary>Gets or sets the sliding window in which failed attempts are counted.</summary>
    /// <value>Defaults to 60 seconds; between 1 millisecond and 1 day.</value>
    [TimeSpanRange("00:00:00.001", "1.00:00:00")]
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets how long the breaker stays open before it lets exactly one probe through.</summary>
    /// <value>Defaults to 30 seconds; between 1 millisecond and 1 day.</value>
    [TimeSpanRange("00:00:00.001", "1.00:00:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the predicate that says whether an attempt's outcome counts against the downstream service.</summary>
    /// <value>
    /// Defaults to <see cref="IsFailure"/>: a 5xx or 408 answer, a <see cref="TimeoutRejectedException"/> (an attempt
    /// timeout) or an <see cref="HttpRequestException"/> (a connection or TLS failure). A 429 does not count: the service
    /// is throttling, not failing, and says when to come back.
    /// </value>
    [Required]
    public Func<CircuitBreakerPredicateArguments<HttpResponseMessage>, ValueTask<bool>> ShouldHandle { get; set; }
        = static args => new ValueTask<bool>(IsFailure(args.Outcome));

    /// <summary>Gets or sets the callback invoked after the breaker opened (a failure reached the threshold, or the probe failed).</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public Func<OnCircuitOpenedArguments<HttpResponseMessage>, ValueTask>? OnOpened { get; set; }

    /// <summary>Gets or sets the callback invoked after a successful probe closed the breaker.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public Func<OnCircuitClosedArguments<HttpResponseMessage>, ValueTask>? OnClosed { get; set; }

    /// <summary>Gets or sets the callback invoked when the break is over and the breaker lets a probe through.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public Func<OnCircuitHalfOpenedArguments, ValueTask>? OnHalfOpened { get; set; }

    /// <summary>Gets or sets the callback invoked when the breaker refuses an attempt without running it.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public Func<OnCountingCircuitRejectedArguments, ValueTask>? OnRejected { get; set; }

    /// <summary>Gets or sets a breaker whose state an owner observes (a gateway shows it on its health and gauge); else the strategy creates its own.</summary>
    internal CountingCircuitBreaker? Breaker { get; set; }

    /// <summary>
    /// Returns whether an attempt's outcome counts against an HTTP service: a 5xx or 408 answer, an attempt timeout
    /// (<see cref="TimeoutRejectedException"/>) or a connection failure (<see cref="HttpRequestException"/>).
    /// </summary>
    /// <param name="outcome">The attempt's outcome.</param>
    /// <returns><see langword="true"/> when the attempt failed because of the service.</returns>
    public static bool IsFailure(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: TimeoutRejectedException or HttpRequestException } => true,
        { Exception: not null } => false,
        { Result: { } response } => (int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.RequestTimeout,
        _ => false,
    };
}
