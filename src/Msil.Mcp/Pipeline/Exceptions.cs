using ModelContextProtocol;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Pipeline;

/// <summary>Thrown inside <c>tools/call</c> when policy denies the call; becomes a JSON-RPC error carrying the reason and decision id.</summary>
public sealed class PolicyDeniedException : McpProtocolException
{
    /// <summary>Initializes a new instance of the <see cref="PolicyDeniedException"/> class.</summary>
    /// <param name="toolName">The tool.</param>
    /// <param name="reason">The policy's reason.</param>
    /// <param name="decisionId">The decision id.</param>
    public PolicyDeniedException(string toolName, string reason, string decisionId)
        : base($"Call to tool '{toolName}' denied by policy: {reason} (decision {decisionId}).", McpErrorCode.InvalidRequest)
    {
        ToolName = toolName;
        Reason = reason;
        DecisionId = decisionId;
    }

    /// <summary>Gets the tool.</summary>
    public string ToolName { get; }

    /// <summary>Gets the policy's reason.</summary>
    public string Reason { get; }

    /// <summary>Gets the decision id.</summary>
    public string DecisionId { get; }

    /// <summary>
    /// Creates the exception for a deny; a deny for missing scopes (a reason starting with <c>insufficient_scope</c>)
    /// carries, in the JSON-RPC error's <c>data</c>, <c>error: "insufficient_scope"</c>, <c>scope</c> (every scope the
    /// tool requires, space-separated, as a step-up request needs them) and <c>missing_scope</c> (those the token lacks).
    /// </summary>
    internal static PolicyDeniedException For(string toolName, PolicyDecision decision, ToolDefinition tool, CallerIdentity caller)
    {
        var exception = new PolicyDeniedException(toolName, decision.Reason, decision.DecisionId);
        if (decision.Reason.StartsWith("insufficient_scope", StringComparison.Ordinal) && tool.RequiredScopes.Count > 0)
        {
            exception.Data["error"] = "insufficient_scope";
            exception.Data["scope"] = string.Join(' ', tool.RequiredScopes);
            exception.Data["missing_scope"] = string.Join(' ', tool.RequiredScopes.Where(s => !caller.Scopes.Contains(s, StringComparer.Ordinal)));
        }

        return exception;
    }
}

/// <summary>Thrown inside <c>tools/call</c> when a privileged call cannot be checked for elevation; the call is refused (fail closed).</summary>
public sealed class ElevationUnavailableException : McpProtocolException
{
    /// <summary>Initializes a new instance of the <see cref="ElevationUnavailableException"/> class.</summary>
    /// <param name="toolName">The tool.</param>
    /// <param name="reason">Why elevation could not be checked.</param>
    public ElevationUnavailableException(string toolName, string reason)
        : base($"Call to privileged tool '{toolName}' refused: {reason}.", McpErrorCode.InvalidRequest)
    {
        ToolName = toolName;
        Reason = reason;
    }

    /// <summary>Gets the tool.</summary>
    public string ToolName { get; }

    /// <summary>Gets the reason.</summary>
    public string Reason { get; }
}

/// <summary>Thrown inside <c>tools/call</c> when the caller has used up a rate limit; says when to retry.</summary>
public sealed class RateLimitExceededException : McpProtocolException
{
    /// <summary>Initializes a new instance of the <see cref="RateLimitExceededException"/> class.</summary>
    /// <param name="toolName">The tool.</param>
    /// <param name="limit">Which limit, in words.</param>
    /// <param name="retryAfter">When a call will be accepted again.</param>
    public RateLimitExceededException(string toolName, string limit, TimeSpan retryAfter)
        : base($"Rate limit exceeded for tool '{toolName}': {limit}. Retry in {Math.Ceiling(retryAfter.TotalSeconds):0} s.", McpErrorCode.InvalidRequest)
    {
        ToolName = toolName;
        RetryAfter = retryAfter;
    }

    /// <summary>Gets the tool.</summary>
    public string ToolName { get; }

    /// <summary>Gets when a call will be accepted again.</summary>
    public TimeSpan RetryAfter { get; }
}
