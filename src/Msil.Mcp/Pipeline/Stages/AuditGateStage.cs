using ModelContextProtocol;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Pipeline.Stages;

/// <summary>
/// Stage 5b, audit gate: nothing runs that cannot be recorded. Privileged calls are always refused when the record
/// cannot be kept, other calls per the sink's policy (<see cref="IAuditGate"/>); the refusal is a tool error.
/// </summary>
internal sealed class AuditGateStage(IAuditGate gate)
{
    public async ValueTask EnsureWritableAsync(CallState state, CancellationToken cancellationToken)
    {
        try
        {
            await gate.EnsureWritableAsync(state.Tool!.Definition.RiskLevel, cancellationToken).ConfigureAwait(false);
        }
        catch (AuditUnavailableException ex)
        {
            state.Outcome = AuditOutcomes.AuditUnavailable;
            state.Detail = ex.Message;
            throw new McpException($"Tool '{state.ToolName}' was not run: its audit record could not be kept ({ex.Message}).");
        }
    }
}
