using System.Text.Json;

namespace Msil.Mcp.Abstractions;

/// <summary>Decides whether a caller may list or execute a tool (seed §6.1).</summary>
/// <remarks>
/// The governed call asks before it looks at the arguments, so that a caller who may not call a tool learns nothing
/// about it (not even its schema). A decision point whose <see cref="RequiresArguments"/> is <see langword="false"/>
/// (the default) is asked once per call, action <see cref="PolicyAction.Execute"/> with
/// <see cref="PolicyRequest.Arguments"/> <see langword="null"/>. One that returns <see langword="true"/> is asked twice:
/// action <see cref="PolicyAction.List"/> before validation (may the caller know the tool?), then action
/// <see cref="PolicyAction.Execute"/> with the validated arguments.
/// </remarks>
public interface IPolicyDecisionPoint
{
    /// <summary>
    /// Gets whether <see cref="PolicyAction.Execute"/> decisions read the call's arguments. Only then are they passed,
    /// after validation; keep it <see langword="false"/> unless a rule needs them, so that the call is decided once.
    /// </summary>
    /// <value>Defaults to <see langword="false"/>: <see cref="PolicyRequest.Arguments"/> is always <see langword="null"/>.</value>
    bool RequiresArguments => false;

    /// <summary>Evaluates a request. Implementations fail closed: any error is a deny with a reason, not an exception.</summary>
    /// <param name="request">What is asked.</param>
    /// <param name="cancellationToken">Cancels the evaluation.</param>
    /// <returns>The decision.</returns>
    ValueTask<PolicyDecision> EvaluateAsync(PolicyRequest request, CancellationToken cancellationToken);
}

/// <summary>The action a policy decides on.</summary>
public enum PolicyAction
{
    /// <summary>Calling the tool.</summary>
    Execute,

    /// <summary>Seeing the tool in <c>tools/list</c>.</summary>
    List,
}

/// <summary>The input of a policy decision.</summary>
/// <param name="User">The caller.</param>
/// <param name="Tool">The tool.</param>
/// <param name="Action">The action.</param>
/// <param name="Arguments">
/// The call's validated arguments, only for a decision point whose <see cref="IPolicyDecisionPoint.RequiresArguments"/>
/// is <see langword="true"/> and only for <see cref="PolicyAction.Execute"/>; otherwise <see langword="null"/>.
/// </param>
public sealed record PolicyRequest(CallerIdentity User, ToolDefinition Tool, PolicyAction Action, IReadOnlyDictionary<string, JsonElement>? Arguments = null);

/// <summary>The result of a policy decision.</summary>
/// <param name="Allow">Whether the action is allowed.</param>
/// <param name="Reason">Why, in words a user can act on.</param>
/// <param name="DecisionId">An id that goes into the audit record and the error the client sees.</param>
/// <param name="Engine">The engine that decided, for example <c>embedded</c> or <c>opa</c>.</param>
public sealed record PolicyDecision(bool Allow, string Reason, string DecisionId, string Engine)
{
    /// <summary>Creates an allow decision with a fresh id.</summary>
    /// <param name="reason">Why.</param>
    /// <param name="engine">The deciding engine.</param>
    /// <returns>The decision.</returns>
    public static PolicyDecision Allowed(string reason, string engine) => new(true, reason, NewId(), engine);

    /// <summary>Creates a deny decision with a fresh id.</summary>
    /// <param name="reason">Why.</param>
    /// <param name="engine">The deciding engine.</param>
    /// <returns>The decision.</returns>
    public static PolicyDecision Denied(string reason, string engine) => new(false, reason, NewId(), engine);

    /// <summary><c>dec_</c> and the first 16 hex digits of a new GUID, formatted into the one string (no GUID string, no substring).</summary>
    private static string NewId() => string.Create(4 + 16, Guid.NewGuid(), static (span, guid) =>
    {
        "dec_".CopyTo(span);
        Span<char> digits = stackalloc char[32];
        guid.TryFormat(digits, out _, "N");
        digits[..16].CopyTo(span[4..]);
    });
}
