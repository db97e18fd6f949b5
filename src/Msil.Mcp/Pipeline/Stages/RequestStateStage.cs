using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Pipeline.Stages;

/// <summary>
/// The request-state stage (MRTR, SEP-2322): a retry of an input-required result echoes the state the executor asked
/// for; it is refused (-32602, audited <c>request_state_rejected</c>) unless it is intact, unexpired and was issued for
/// this tool and caller. Every later stage runs again for the retry.
/// </summary>
internal sealed class RequestStateStage(RequestStateProtector protector, ILogger<RequestStateStage> logger)
{
    public void Verify(CallState state, string echoed)
    {
        if (!protector.TryUnprotect(echoed, state.ToolName, state.Caller.PrincipalKey, out var requestState, out var reason))
        {
            state.Outcome = AuditOutcomes.RequestStateRejected;
            state.Detail = reason;
            Log.RequestStateRejected(logger, state.ToolName, reason);
            throw new McpProtocolException($"Invalid requestState for tool '{state.ToolName}': {reason}.", McpErrorCode.InvalidParams);
        }

        state.RequestState = requestState;
    }
}
