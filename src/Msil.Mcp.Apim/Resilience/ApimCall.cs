using System.Diagnostics;
using Polly;

namespace Msil.Mcp.Apim.Resilience;

/// <summary>
/// What the resilience pipeline needs to know about one tool call, carried on the request (<see cref="OptionsKey"/>);
/// the strategies find it through the request the library's resilience handler puts in the Polly context
/// (<see cref="Of"/>). The retry decision is made per request from <see cref="RetryAllowed"/>, never from the HTTP
/// method alone.
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

    /// <summary>Returns the call an execution of a gateway's pipeline belongs to.</summary>
    /// <remarks>
    /// Someone who uses the gateway's named client directly sends no <see cref="ApimCall"/>: such a request is retried
    /// only when its method is safe to repeat.
    /// </remarks>
    public static ApimCall Of(ResilienceContext context)
    {
        if (context.Properties.TryGetValue(PropertyKey, out var call))
        {
            return call;
        }

        var request = context.GetRequestMessage();
        if (request is null || !request.Options.TryGetValue(OptionsKey, out call))
        {
            call = new ApimCall { ToolName = string.Empty, RetryAllowed = request is not null && IsIdempotentMethod(request.Method) };
        }

        context.Properties.Set(PropertyKey, call);
        return call;
    }

    /// <summary>Returns whether <paramref name="method"/> is safe to repeat by definition (RFC 9110 §9.2.2).</summary>
    public static bool IsIdempotentMethod(HttpMethod method)
        => method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Put || method == HttpMethod.Delete
            || method == HttpMethod.Options || method == HttpMethod.Trace;
}
