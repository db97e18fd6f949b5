using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Defaults;

/// <summary>
/// The policy used when no policy package is added: read tools for authenticated users, everything else denied.
/// </summary>
internal sealed class FailClosedPolicyDecisionPoint : IPolicyDecisionPoint
{
    public const string EngineName = "none";
    public const string NoEngineReason = "no policy engine configured";

    public ValueTask<PolicyDecision> EvaluateAsync(PolicyRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.User.IsAuthenticated)
        {
            return new(PolicyDecision.Denied("authentication required", EngineName));
        }

        return request.Tool.RiskLevel == RiskLevel.Read
            ? new(PolicyDecision.Allowed("read tools are open to authenticated users when no policy engine is configured", EngineName))
            : new(PolicyDecision.Denied(NoEngineReason, EngineName));
    }
}
