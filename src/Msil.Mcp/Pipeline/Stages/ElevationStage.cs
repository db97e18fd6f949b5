using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Pipeline.Stages;

/// <summary>
/// Stage 5, elevation, for privileged tools only: <see cref="IElevationGate"/> decides with the server's correlation id
/// as the request reference. No grant → URL elicitation (-32042) with the approval URL; an unreachable gate → refused
/// (fail closed, <see cref="ElevationUnavailableException"/>).
/// </summary>
internal sealed class ElevationStage(IElevationGate gate, MsilMcpMetrics metrics, ILogger<ElevationStage> logger)
{
    private const string Stage = "elevate";

    public ValueTask CheckAsync(CallState state, CancellationToken cancellationToken)
        => state.Tool!.Definition.RiskLevel == RiskLevel.Privileged ? CheckPrivilegedAsync(state, cancellationToken) : ValueTask.CompletedTask;

    private async ValueTask CheckPrivilegedAsync(CallState state, CancellationToken cancellationToken)
    {
        var tool = state.Tool!.Definition;
        using var span = CallTracing.StartStage(Stage, state.Tool.Spans.Elevate, tool.Name);
        ElevationCheck check;
        try
        {
            check = await gate.CheckAsync(state.Caller, tool, state.Arguments, state.CorrelationId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            check = new ElevationCheck(ElevationOutcome.Unavailable, "the elevation service could not be reached", tool.Name);
            Log.ElevationCheckFailed(logger, tool.Name, ex.GetType().Name);
        }

        metrics.Elevation(check.Outcome);
        switch (check.Outcome)
        {
            case ElevationOutcome.Granted:
                state.Grant = check.Grant;
                return;
            case ElevationOutcome.Required when check.ElevationUrl is not null:
                state.Outcome = AuditOutcomes.ElevationRequired;
                state.Detail = check.Reason;
                Log.ElevationRequired(logger, tool.Name, check.Reason);
                var message = $"Tool '{tool.Name}' is privileged and needs an active elevation for scope '{check.Scope}' ({check.Reason}). Request elevation at {check.ElevationUrl} and call the tool again once it is approved.";
                throw new UrlElicitationRequiredException(message,
                [
                    new ElicitRequestParams
                    {
                        Mode = "url",
                        Message = message,
                        Url = check.ElevationUrl.ToString(),
                        ElicitationId = check.ElicitationId ?? Guid.NewGuid().ToString("N"),
                    },
                ]);
            default:
                state.Outcome = AuditOutcomes.Denied;
                state.Detail = check.Reason;
                throw new ElevationUnavailableException(tool.Name, check.Reason);
        }
    }
}
