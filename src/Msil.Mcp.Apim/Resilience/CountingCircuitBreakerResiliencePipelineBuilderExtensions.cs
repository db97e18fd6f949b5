using System.Diagnostics.CodeAnalysis;
using Polly;

namespace Msil.Mcp.Apim.Resilience;

/// <summary>Adds the count-based circuit breaker (<see cref="CountingCircuitBreakerStrategyOptions"/>) to a Polly pipeline.</summary>
public static class CountingCircuitBreakerResiliencePipelineBuilderExtensions
{
    /// <summary>Adds the count-based circuit breaker to the pipeline.</summary>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="options">The breaker's options; validated when the pipeline is built.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="System.ComponentModel.DataAnnotations.ValidationException"><paramref name="options"/> are invalid.</exception>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The options' members are all public properties of a type referenced here, so they are preserved.")]
    public static ResiliencePipelineBuilder<HttpResponseMessage> AddCountingCircuitBreaker(
        this ResiliencePipelineBuilder<HttpResponseMessage> builder,
        CountingCircuitBreakerStrategyOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        return builder.AddStrategy(
            context => new CountingCircuitBreakerStrategy(
                options.Breaker ?? new CountingCircuitBreaker(options.FailureThreshold, options.SamplingDuration, options.BreakDuration, context.TimeProvider),
                options,
                context.Telemetry),
            options);
    }
}
