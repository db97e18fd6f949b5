using System.Collections.Concurrent;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Testing;

/// <summary>
/// A policy decision point driven by rules set in the test: per tool (and optionally per action) allow, deny or fail as
/// an unreachable policy service would; every other request gets the default. Records every request it was asked.
/// </summary>
public sealed class ScriptedPolicyDecisionPoint : IPolicyDecisionPoint
{
    /// <summary>The engine name in the decisions.</summary>
    public const string EngineName = "scripted";

    private readonly ConcurrentDictionary<(string Tool, PolicyAction? Action), Func<PolicyRequest, PolicyDecision>> _rules = new();
    private readonly ConcurrentQueue<PolicyRequest> _requests = new();
    private volatile bool _allowByDefault;

    /// <summary>Initializes a new instance that denies what no rule allows.</summary>
    public ScriptedPolicyDecisionPoint()
    {
    }

    /// <summary>Gets the requests asked so far, in order.</summary>
    public IReadOnlyList<PolicyRequest> Requests => [.. _requests];

    /// <summary>Creates one that allows everything no rule denies.</summary>
    /// <returns>The decision point.</returns>
    public static ScriptedPolicyDecisionPoint AllowAll() => new() { _allowByDefault = true };

    /// <summary>Sets the default for requests no rule matches.</summary>
    /// <param name="allow">Whether to allow them.</param>
    /// <returns>This instance.</returns>
    public ScriptedPolicyDecisionPoint Default(bool allow)
    {
        _allowByDefault = allow;
        return this;
    }

    /// <summary>Allows <paramref name="tool"/> (for one action, or all).</summary>
    /// <param name="tool">The tool name.</param>
    /// <param name="action">The action, or <see langword="null"/> for every action.</param>
    /// <returns>This instance.</returns>
    public ScriptedPolicyDecisionPoint Allow(string tool, PolicyAction? action = null)
        => Rule(tool, action, _ => PolicyDecision.Allowed("allowed by the test policy", EngineName));

    /// <summary>Denies <paramref name="tool"/> (for one action, or all) with <paramref name="reason"/>.</summary>
    /// <param name="tool">The tool name.</param>
    /// <param name="reason">The reason the caller is given.</param>
    /// <param name="action">The action, or <see langword="null"/> for every action.</param>
    /// <returns>This instance.</returns>
    public ScriptedPolicyDecisionPoint Deny(string tool, string reason = "denied by the test policy", PolicyAction? action = null)
        => Rule(tool, action, _ => PolicyDecision.Denied(reason, EngineName));

    /// <summary>Throws <paramref name="exception"/> for <paramref name="tool"/>, as a policy service that cannot be reached would.</summary>
    /// <param name="tool">The tool name.</param>
    /// <param name="exception">The exception.</param>
    /// <param name="action">The action, or <see langword="null"/> for every action.</param>
    /// <returns>This instance.</returns>
    public ScriptedPolicyDecisionPoint Fail(string tool, Exception exception, PolicyAction? action = null)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return Rule(tool, action, _ => throw exception);
    }

    /// <summary>Decides <paramref name="tool"/> (for one action, or all) with <paramref name="decide"/>.</summary>
    /// <param name="tool">The tool name.</param>
    /// <param name="action">The action, or <see langword="null"/> for every action.</param>
    /// <param name="decide">The decision for a request.</param>
    /// <returns>This instance.</returns>
    public ScriptedPolicyDecisionPoint Rule(string tool, PolicyAction? action, Func<PolicyRequest, PolicyDecision> decide)
    {
        ArgumentException.ThrowIfNullOrEmpty(tool);
        ArgumentNullException.ThrowIfNull(decide);
        _rules[(tool, action)] = decide;
        return this;
    }

    /// <inheritdoc />
    public ValueTask<PolicyDecision> EvaluateAsync(PolicyRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        _requests.Enqueue(request);
        if (_rules.TryGetValue((request.Tool.Name, request.Action), out var rule) || _rules.TryGetValue((request.Tool.Name, null), out rule))
        {
            return new(rule(request));
        }

        return new(_allowByDefault
            ? PolicyDecision.Allowed("allowed by the test policy's default", EngineName)
            : PolicyDecision.Denied("no rule of the test policy allows this", EngineName));
    }
}
