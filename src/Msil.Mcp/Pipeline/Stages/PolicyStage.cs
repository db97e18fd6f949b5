using Microsoft.Extensions.Logging;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Pipeline.Stages;

/// <summary>
/// Stage 3, policy, before anything about the arguments is answered: a caller who may not call a tool learns nothing
/// about it. The common case asks <see cref="IPolicyDecisionPoint"/> once, action <c>execute</c> on user, tool and risk
/// level (no arguments). Only when that denies is the decision point asked whether the caller may <c>list</c> the tool:
/// if not, the caller gets the unknown-tool answer (<see cref="ResolveStage.UnknownTool"/>), so a hidden tool and a
/// name that does not exist cannot be told apart; if so, <see cref="PolicyDeniedException"/> with reason and decision id.
/// A decision point that needs arguments (<see cref="IPolicyDecisionPoint.RequiresArguments"/>) is asked <c>list</c>
/// here and <c>execute</c> with the validated arguments in <see cref="AuthorizeArgumentsAsync"/> (stage 4b).
/// </summary>
internal sealed class PolicyStage(IPolicyDecisionPoint policy, MsilMcpMetrics metrics, ILogger<PolicyStage> logger)
{
    /// <summary>The audit detail of a denial answered as an unknown tool (the caller may not list the tool either).</summary>
    internal const string HiddenDetail = "the caller may not list the tool: answered as an unknown tool";

    private const string Stage = "authorize";

    /// <summary>Gets whether <see cref="AuthorizeArgumentsAsync"/> must run after validation.</summary>
    public bool RequiresArguments => policy.RequiresArguments;

    /// <summary>Decides on user, tool and risk level; throws the caller's answer when the call may not go on.</summary>
    public async ValueTask AuthorizeAsync(CallState state, CancellationToken cancellationToken)
    {
        var tool = state.Tool!;
        var action = policy.RequiresArguments ? PolicyAction.List : PolicyAction.Execute;
        using var span = CallTracing.StartStage(Stage, tool.Spans.Authorize, tool.Definition.Name);
        var decision = await policy.EvaluateAsync(new PolicyRequest(state.Caller, tool.Definition, action), cancellationToken).ConfigureAwait(false);
        metrics.PolicyDecision(decision, action);
        state.Decision = decision;
        if (decision.Allow)
        {
            return;
        }

        // May the caller know the tool at all? Only then is it told why it may not call it (the deny path only).
        var visible = decision;
        if (action == PolicyAction.Execute)
        {
            visible = await policy.EvaluateAsync(new PolicyRequest(state.Caller, tool.Definition, PolicyAction.List), cancellationToken).ConfigureAwait(false);
            metrics.PolicyDecision(visible, PolicyAction.List);
        }

        Log.CallDenied(logger, tool.Definition.Name, decision.DecisionId, decision.Engine, decision.Reason);
        state.Outcome = AuditOutcomes.Denied;
        if (visible.Allow)
        {
            state.Detail = decision.Reason;
            throw PolicyDeniedException.For(tool.Definition.Name, decision, tool.Definition, state.Caller);
        }

        state.Detail = HiddenDetail;
        throw ResolveStage.UnknownTool(state);
    }

    /// <summary>Stage 4b: the argument-aware decision, for a decision point that needs the validated arguments.</summary>
    public async ValueTask AuthorizeArgumentsAsync(CallState state, CancellationToken cancellationToken)
    {
        var tool = state.Tool!;
        using var span = CallTracing.StartStage(Stage, tool.Spans.Authorize, tool.Definition.Name);
        var decision = await policy.EvaluateAsync(new PolicyRequest(state.Caller, tool.Definition, PolicyAction.Execute, state.Arguments), cancellationToken).ConfigureAwait(false);
        metrics.PolicyDecision(decision, PolicyAction.Execute);
        state.Decision = decision;
        if (!decision.Allow)
        {
            Log.CallDenied(logger, tool.Definition.Name, decision.DecisionId, decision.Engine, decision.Reason);
            state.Outcome = AuditOutcomes.Denied;
            state.Detail = decision.Reason;
            throw PolicyDeniedException.For(tool.Definition.Name, decision, tool.Definition, state.Caller);
        }
    }
}
