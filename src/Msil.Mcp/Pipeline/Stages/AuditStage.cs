using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Admin;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Pipeline.Stages;

/// <summary>
/// Stage 1, audit: the outermost wrapper of the governed call writes one <see cref="AuditRecord"/> per call whatever
/// happened below (the pipeline calls it in <c>finally</c>), and one more when a task ends. It also counts the call
/// (<c>msil.mcp.tool.executions</c>, labelled by catalog tool only). What the record takes from the request is
/// bounded: the tool name by <see cref="CallState.ToolName"/>, the detail at <see cref="MaxDetailLength"/> characters.
/// </summary>
internal sealed class AuditStage(IAuditSink sink, IAuditArgumentRedactor redactor, TimeProvider time, MsilMcpMetrics metrics, CallActivity callActivity, ILogger<AuditStage> logger)
{
    /// <summary>The most characters of <see cref="AuditRecord.Detail"/>.</summary>
    public const int MaxDetailLength = 512;

    private const string Stage = "audit";

    /// <summary>Records the call (action <see cref="AuditActions.ToolCall"/>) and tags its span with the outcome.</summary>
    public ValueTask WriteAsync(CallState state, Activity? activity) => WriteAsync(state, activity, AuditActions.ToolCall);

    /// <summary>Records the end of a task (its own record: outcome, latency and result size, under the call's correlation id).</summary>
    public ValueTask WriteTaskAsync(CallState state) => WriteAsync(state, null, AuditActions.ToolTask);

    private async ValueTask WriteAsync(CallState state, Activity? activity, string action)
    {
        var definition = state.Tool?.Definition;
        using var span = CallTracing.StartStage(Stage, state.Tool?.Spans.Audit ?? Stage, definition?.Name);
        var elapsed = time.GetElapsedTime(state.StartTimestamp);
        var outcome = state.Outcome ?? AuditOutcomes.Failed;
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("msil.outcome", outcome);
        }

        if (!state.WarmUp)
        {
            metrics.ToolExecution(definition?.Name, outcome, definition?.RiskLevel, elapsed.TotalSeconds);
        }

        var now = time.GetUtcNow();
        if (action == AuditActions.ToolCall && !state.WarmUp)
        {
            // The users store and the admin rates: in memory, no await (flushed in the background).
            callActivity.RecordKeyed(state.Caller, state.PrincipalKey, outcome, now);
        }

        var record = new AuditRecord
        {
            Id = RandomIds.NewVersion7(now),
            Timestamp = now,
            Action = action,
            Outcome = outcome,
            CorrelationId = state.CorrelationId,
            ClientCorrelationId = state.ClientCorrelationId,
            TraceId = Activity.Current?.TraceId.ToString(),
            UserId = state.Caller.UserId,
            Subject = state.Caller.Subject,
            ObjectId = state.Caller.ObjectId,
            PreferredUsername = state.Caller.PreferredUsername,
            Actor = state.Caller.Actor,
            ToolName = state.ToolName,
            ToolVersion = definition?.Version,
            ToolContentHash = definition?.ContentHash,
            RiskLevel = definition?.RiskLevel,
            PolicyAllow = state.Decision?.Allow,
            PolicyReason = state.Decision?.Reason,
            DecisionId = state.Decision?.DecisionId,
            ElevationReference = state.Grant?.ApprovalReference,
            BackendStatus = state.BackendStatus,
            LatencyMs = elapsed.TotalMilliseconds,
            ArgumentsHash = state.ArgumentsHash,
            Arguments = RedactArguments(state, definition),
            ResultSize = state.ResultSize,
            Detail = state.Detail is { Length: > MaxDetailLength } detail ? string.Concat(detail.AsSpan(0, MaxDetailLength), "…") : state.Detail,
        };

        if (state.WarmUp)
        {
            return; // the start-up warm-up builds the record (and its redaction) but never writes it
        }

        try
        {
            await sink.WriteAsync(record, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The audit package owns its durability policy; a sink that throws here has already decided the record
            // cannot be kept. Say so loudly; the call's own outcome is unchanged.
            Log.AuditWriteFailed(logger, state.ToolName, ex.GetType().Name);
        }
    }

    private string? RedactArguments(CallState state, ToolDefinition? definition)
    {
        if (definition is null || state.Arguments.Count == 0)
        {
            return null;
        }

        try
        {
            return redactor.Redact(definition, state.Arguments);
        }
        catch (Exception ex)
        {
            // A redactor that fails must not leak what it was given, nor cost the call its record: keep the hash only.
            Log.ArgumentRedactionFailed(logger, state.ToolName, ex.GetType().Name);
            return null;
        }
    }
}
