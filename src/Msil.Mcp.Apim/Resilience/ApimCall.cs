using System.Diagnostics;
using Polly;

namespace Msil.Mcp.Apim.Resilience;

/// <summary>
/// What the resilience pipeline needs to know about one tool call, carried on the request (<see cref="OptionsKey"/>) and
/// in the Polly context (<see cref="PropertyKey"/>). The retry decision is made per request from <see cref="RetryAllowed"/>,
/// never from the HTTP method alone.
/// </summary>
internal sealed class ApimCall
{
    public static readonly HttpRequestOptionsKey<ApimCall> OptionsKey = new("Msil.Mcp.Apim.Call");

    public static readonly ResiliencePropertyKey<ApimCall> PropertyKey = new("Msil.Mcp.Apim.Call");

    /// <summary>Gets the tool's name (for logs and trace events).</summary>
    public required string ToolName { get; init; }

    /// <summary>Gets whether a failed attempt may be sent again: an idempotent method or a tool marked idempotent.</summary>
    public required bool RetryAllowed { get; init; }

    /// <summary>Gets the call's span, if one is recorded; retries, timeouts and breaker changes become its events.</summary>
    public Activity? Activity { get; init; }

    /// <summary>Gets or sets the number of attempts sent.</summary>
    public int Attempts { get; set; }

    /// <summary>Gets or sets whether the call's overall time limit ran out.</summary>
    public bool TotalTimedOut { get; set; }

    /// <summary>Gets or sets whether a retryable failure was left unretried because the request is not safe to repeat.</summary>
    public bool RetrySkippedAsUnsafe { get; set; }

    /// <summary>Gets or sets how long until the open circuit breaker lets a probe through, when it refused an attempt.</summary>
    public TimeSpan? CircuitRetryAfter { get; set; }

    /// <summary>Returns whether <paramref name="method"/> is safe to repeat by definition (RFC 9110 §9.2.2).</summary>
    public static bool IsIdempotentMethod(HttpMethod method)
        => method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Put || method == HttpMethod.Delete
            || method == HttpMethod.Options || method == HttpMethod.Trace;
}
