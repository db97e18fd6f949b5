using System.Text.Json;

namespace Msil.Mcp.Abstractions;

/// <summary>Receives audit records. Implementations must not lose a record they have accepted.</summary>
public interface IAuditSink
{
    /// <summary>Accepts a record; returns once the record is as durable as the sink's policy demands.</summary>
    /// <param name="record">The record.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the record is accepted.</returns>
    /// <exception cref="AuditUnavailableException">The record could not be accepted.</exception>
    ValueTask WriteAsync(AuditRecord record, CancellationToken cancellationToken);
}

/// <summary>Thrown when an audit sink cannot accept a record.</summary>
public sealed class AuditUnavailableException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="AuditUnavailableException"/> class.</summary>
    public AuditUnavailableException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="AuditUnavailableException"/> class.</summary>
    /// <param name="message">What failed.</param>
    public AuditUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="AuditUnavailableException"/> class.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause.</param>
    public AuditUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>What an audit record is about.</summary>
public static class AuditActions
{
    /// <summary>A governed <c>tools/call</c>.</summary>
    public const string ToolCall = "tool.call";

    /// <summary>The end of a task of the tasks extension (SEP-2663): its outcome, latency and result size.</summary>
    public const string ToolTask = "tool.task";

    /// <summary>A <c>tasks/cancel</c> request for a task.</summary>
    public const string ToolTaskCancel = "tool.task.cancel";

    /// <summary>An elevation grant was recorded.</summary>
    public const string ElevationGrant = "elevation.grant";

    /// <summary>An elevation grant was revoked.</summary>
    public const string ElevationRevoke = "elevation.revoke";

    /// <summary>A single-use elevation grant was consumed by a call.</summary>
    public const string ElevationUse = "elevation.use";

    /// <summary>The elevation stage refused a privileged call or an elevation request.</summary>
    public const string ElevationRefuse = "elevation.refuse";

    /// <summary>An elevation check through the API.</summary>
    public const string ElevationCheck = "elevation.check";

    /// <summary>An OpenAPI import.</summary>
    public const string Import = "registry.import";

    /// <summary>A tool's curation override was set or removed.</summary>
    public const string RegistryOverride = "registry.override";

    /// <summary>A tool was rolled back to an earlier version (or forward to its latest).</summary>
    public const string RegistryRollback = "registry.rollback";
}

/// <summary>The outcome recorded for a governed call.</summary>
public static class AuditOutcomes
{
    /// <summary>The tool ran and succeeded.</summary>
    public const string Success = "success";

    /// <summary>The tool ran and reported an error.</summary>
    public const string ToolError = "tool_error";

    /// <summary>Policy denied the call.</summary>
    public const string Denied = "denied";

    /// <summary>The call needed an elevation grant it did not have.</summary>
    public const string ElevationRequired = "elevation_required";

    /// <summary>The arguments did not match the input schema.</summary>
    public const string InvalidArguments = "invalid_arguments";

    /// <summary>The call was refused because its audit record could not be kept.</summary>
    public const string AuditUnavailable = "audit_unavailable";

    /// <summary>A rate limit refused the call.</summary>
    public const string RateLimited = "rate_limited";

    /// <summary>No tool of that name.</summary>
    public const string UnknownTool = "unknown_tool";

    /// <summary>The call failed inside the server.</summary>
    public const string Failed = "failed";

    /// <summary>The tool answered with an input-required result (MRTR, SEP-2322): the client is to fulfil its input requests and call again.</summary>
    public const string InputRequired = "input_required";

    /// <summary>The call became a task of the tasks extension (SEP-2663); the record's detail names the task id, and the task's end is recorded separately.</summary>
    public const string TaskCreated = "task_created";

    /// <summary>The task was cancelled by its caller (<c>tasks/cancel</c>), or a <c>tasks/cancel</c> request was recorded.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>The tool can only run as a task and the client did not negotiate the tasks extension; refused with -32021.</summary>
    public const string TaskRequired = "task_required";

    /// <summary>The call echoed a request state that failed verification (tampered, expired, or issued for another tool or caller); the call was refused.</summary>
    public const string RequestStateRejected = "request_state_rejected";
}

/// <summary>One audit record: a governed call, a decision or an administrative action.</summary>
public sealed record AuditRecord
{
    /// <summary>Gets the record id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets when it happened.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Gets the action (<see cref="AuditActions"/>).</summary>
    public required string Action { get; init; }

    /// <summary>Gets the outcome (<see cref="AuditOutcomes"/>).</summary>
    public required string Outcome { get; init; }

    /// <summary>Gets the correlation id: the server's own, generated for every request (never chosen by the client).</summary>
    public string? CorrelationId { get; init; }

    /// <summary>
    /// Gets the correlation id the client sent (<c>X-Correlation-ID</c>), bounded to 128 printable ASCII characters, or
    /// <see langword="null"/> when it sent none. Kept beside <see cref="CorrelationId"/> to find the client's request; never used as a reference.
    /// </summary>
    public string? ClientCorrelationId { get; init; }

    /// <summary>Gets the trace id.</summary>
    public string? TraceId { get; init; }

    /// <summary>Gets the caller's user id.</summary>
    public string? UserId { get; init; }

    /// <summary>Gets the caller's <c>sub</c>.</summary>
    public string? Subject { get; init; }

    /// <summary>Gets the caller's <c>oid</c>.</summary>
    public string? ObjectId { get; init; }

    /// <summary>Gets the caller's <c>preferred_username</c>.</summary>
    public string? PreferredUsername { get; init; }

    /// <summary>Gets the acting party from a token exchange.</summary>
    public string? Actor { get; init; }

    /// <summary>Gets the tool name.</summary>
    public string? ToolName { get; init; }

    /// <summary>Gets the tool version that ran.</summary>
    public string? ToolVersion { get; init; }

    /// <summary>Gets the tool's content hash that ran.</summary>
    public string? ToolContentHash { get; init; }

    /// <summary>Gets the tool's risk level.</summary>
    public RiskLevel? RiskLevel { get; init; }

    /// <summary>Gets whether policy allowed the call, if policy was asked.</summary>
    public bool? PolicyAllow { get; init; }

    /// <summary>Gets the policy's reason.</summary>
    public string? PolicyReason { get; init; }

    /// <summary>Gets the policy decision id.</summary>
    public string? DecisionId { get; init; }

    /// <summary>Gets the elevation grant's approval reference, if one was used.</summary>
    public string? ElevationReference { get; init; }

    /// <summary>Gets the backend's HTTP status, if the backend was called.</summary>
    public int? BackendStatus { get; init; }

    /// <summary>Gets the latency in milliseconds.</summary>
    public double? LatencyMs { get; init; }

    /// <summary>Gets the lower-case hex SHA-256 of the canonical arguments.</summary>
    public string? ArgumentsHash { get; init; }

    /// <summary>
    /// Gets the call's arguments as one JSON object in which every value classified as sensitive is redacted (see
    /// <see cref="IAuditArgumentRedactor"/>); <see langword="null"/> when arguments are not recorded. Never the raw
    /// value of a classified argument.
    /// </summary>
    public string? Arguments { get; init; }

    /// <summary>Gets the size of the result in bytes.</summary>
    public long? ResultSize { get; init; }

    /// <summary>Gets a short detail (error text, validation summary); never a secret.</summary>
    public string? Detail { get; init; }
}

/// <summary>
/// Turns a call's validated arguments into the form an audit record keeps: every value the tool's schema or the
/// operator's rules classify as sensitive is redacted. The core's default records no arguments at all; the audit
/// package registers a redactor built on Microsoft.Extensions.Compliance classifications.
/// </summary>
public interface IAuditArgumentRedactor
{
    /// <summary>Returns the arguments as a JSON object with sensitive values redacted, or <see langword="null"/> to record none.</summary>
    /// <param name="tool">The tool called; its input schema may classify arguments.</param>
    /// <param name="arguments">The arguments as received (validated unless the call was refused for invalid arguments).</param>
    /// <returns>Compact JSON text, or <see langword="null"/>.</returns>
    string? Redact(ToolDefinition tool, IReadOnlyDictionary<string, JsonElement> arguments);
}

/// <summary>
/// Asked before a governed call runs: can its audit record be kept? A sink that cannot keep records refuses privileged
/// calls always, and other calls when its policy says so, by throwing <see cref="AuditUnavailableException"/>.
/// </summary>
public interface IAuditGate
{
    /// <summary>Returns when a record of a call at <paramref name="riskLevel"/> can be kept; throws when the call must be refused.</summary>
    /// <param name="riskLevel">The risk level of the call about to run.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>A task that completes when the call may go ahead.</returns>
    /// <exception cref="AuditUnavailableException">The call must be refused because its record could not be kept.</exception>
    ValueTask EnsureWritableAsync(RiskLevel riskLevel, CancellationToken cancellationToken);
}
