using Polly;

namespace Msil.Mcp.Apim.Resilience;

/// <summary>The arguments of <see cref="CountingCircuitBreakerStrategyOptions.OnRejected"/>: an attempt the open breaker refused.</summary>
public readonly struct OnCountingCircuitRejectedArguments
{
    /// <summary>Initializes a new instance of the <see cref="OnCountingCircuitRejectedArguments"/> struct.</summary>
    /// <param name="context">The context of the refused execution.</param>
    /// <param name="retryAfter">How long until the breaker lets a probe through.</param>
    public OnCountingCircuitRejectedArguments(ResilienceContext context, TimeSpan retryAfter)
    {
        Context = context;
        RetryAfter = retryAfter;
    }

    /// <summary>Gets the context of the refused execution.</summary>
    public ResilienceContext Context { get; }

    /// <summary>Gets how long until the breaker lets a probe through (the break duration when a probe is in flight).</summary>
    public TimeSpan RetryAfter { get; }
}
