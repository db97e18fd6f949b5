using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Elevation;

/// <summary>The audit actions and outcomes this package writes beyond those in <see cref="AuditActions"/>.</summary>
internal static class ElevationAuditActions
{
    /// <summary>A single-use grant was consumed by a call.</summary>
    public const string Use = AuditActions.ElevationUse;

    /// <summary>A privileged call or an elevation request was refused by the elevation stage itself.</summary>
    public const string Refuse = AuditActions.ElevationRefuse;
}

/// <summary>The outcome strings of elevation audit records.</summary>
internal static class ElevationAuditOutcomes
{
    public const string Elevated = "elevated";
    public const string RequiresElevation = "requires_elevation";
    public const string NotFound = "not_found";
    public const string StoreUnavailable = "store_unavailable";
    public const string ArgumentsMismatch = "arguments_mismatch";
    public const string AlreadyUsed = "already_used";
    public const string NotYetValid = "not_yet_valid";
    public const string Anonymous = "anonymous";
}

/// <summary>
/// The package's Meter and ActivitySource (both <c>Msil.Mcp.Elevation</c>), and one place that turns an elevation
/// event into an audit record, a counter increment and, where useful, a log line.
/// </summary>
internal sealed class ElevationTelemetry
{
    /// <summary>The Meter and ActivitySource name (= the PackageId).</summary>
    public const string Name = "Msil.Mcp.Elevation";

    /// <summary>The counter of elevation events.</summary>
    public const string EventsInstrument = "msil.mcp.elevation.events";

    /// <summary>The tag naming the event: check, grant, revoke, use or refused.</summary>
    public const string EventTag = "msil.elevation.event";

    /// <summary>The tag carrying the event's outcome (the audit outcome).</summary>
    public const string OutcomeTag = "msil.elevation.outcome";

    private readonly Counter<long> _events;
    private readonly IAuditSink _audit;
    private readonly TimeProvider _time;
    private readonly ILogger<ElevationTelemetry> _logger;

    public ElevationTelemetry(IMeterFactory meterFactory, IAuditSink audit, TimeProvider time, ILogger<ElevationTelemetry> logger)
    {
        var meter = meterFactory.Create(Name);
        _events = meter.CreateCounter<long>(EventsInstrument, "{event}", "Elevation events: checks through the API, grants, revocations, uses of single-use grants and refusals.");
        _audit = audit;
        _time = time;
        _logger = logger;
    }

    public static ActivitySource Source { get; } = new(Name);

    public ILogger Logger => _logger;

    /// <summary>Counts the event and writes its audit record. An audit sink that fails is logged, never thrown.</summary>
    public async ValueTask RecordAsync(ElevationEvent e)
    {
        _events.Add(1, new TagList { { EventTag, e.Name }, { OutcomeTag, e.Outcome } });
        var now = _time.GetUtcNow();
        var caller = e.Caller;
        var self = caller is null || string.Equals(caller.UserId, e.UserId, StringComparison.Ordinal);
        var record = new AuditRecord
        {
            Id = Guid.CreateVersion7(now).ToString("N"),
            Timestamp = now,
            Action = e.Action,
            Outcome = e.Outcome,
            CorrelationId = e.CorrelationId,
            TraceId = Activity.Current?.TraceId.ToString(),
            UserId = e.UserId,
            Subject = caller?.Subject,
            ObjectId = self ? caller?.ObjectId : null,
            PreferredUsername = self ? caller?.PreferredUsername : null,
            Actor = self ? caller?.Actor : caller!.UserId,
            ToolName = e.Tool ?? e.Scope,
            RiskLevel = RiskLevel.Privileged,
            ElevationReference = e.Grant?.ApprovalReference,
            ArgumentsHash = e.ArgumentsHash,
            Detail = e.Detail,
        };

        try
        {
            await _audit.WriteAsync(record, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.AuditWriteFailed(_logger, e.Action, ex.GetType().Name);
        }
    }
}

/// <summary>One elevation event: what <see cref="ElevationTelemetry.RecordAsync"/> counts and audits.</summary>
/// <param name="Name">The metric's event: check, grant, revoke, use or refused.</param>
/// <param name="Action">The audit action.</param>
/// <param name="Outcome">The audit outcome.</param>
/// <param name="UserId">The user the grant is (or would be) for.</param>
/// <param name="Scope">The scope.</param>
internal readonly record struct ElevationEvent(string Name, string Action, string Outcome, string UserId, string Scope)
{
    /// <summary>Gets who made the request: the user, or the approval system acting for them (recorded as the actor).</summary>
    public CallerIdentity? Caller { get; init; }

    /// <summary>Gets the tool called, when the event comes from a call.</summary>
    public string? Tool { get; init; }

    /// <summary>Gets the grant concerned.</summary>
    public ElevationGrant? Grant { get; init; }

    /// <summary>Gets the request's correlation id.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>Gets the call's arguments hash.</summary>
    public string? ArgumentsHash { get; init; }

    /// <summary>Gets a short detail, never a secret.</summary>
    public string? Detail { get; init; }
}

/// <summary>The metric's event names.</summary>
internal static class ElevationEvents
{
    public const string Check = "check";
    public const string Grant = "grant";
    public const string Revoke = "revoke";
    public const string Use = "use";
    public const string Refused = "refused";
}
