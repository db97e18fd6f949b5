using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Msil.Mcp.Audit;

/// <summary>The package's Meter and ActivitySource, both named <c>Msil.Mcp.Audit</c>.</summary>
internal sealed class AuditTelemetry
{
    /// <summary>The Meter and ActivitySource name (= the PackageId).</summary>
    public const string Name = "Msil.Mcp.Audit";

    /// <summary>Records written to the local chain.</summary>
    public const string EventsInstrument = "msil.mcp.audit.events";

    /// <summary>Records that could not be written to the local chain.</summary>
    public const string WriteFailuresInstrument = "msil.mcp.audit.write.failures";

    /// <summary>Time to write and flush one batch of the local chain.</summary>
    public const string FlushDurationInstrument = "msil.mcp.audit.flush.duration";

    /// <summary>Records shipped to a target.</summary>
    public const string ShippedInstrument = "msil.mcp.audit.shipped";

    /// <summary>Failed shipping attempts.</summary>
    public const string ShipFailuresInstrument = "msil.mcp.audit.ship.failures";

    /// <summary>Records in the outbox not yet shipped, per target.</summary>
    public const string OutboxLagInstrument = "msil.mcp.audit.outbox.lag";

    /// <summary>The tag naming a shipping target: <c>postgresql</c> or <c>s3</c>.</summary>
    public const string TargetTag = "msil.audit.target";

    private readonly Counter<long> _events;
    private readonly Counter<long> _writeFailures;
    private readonly Histogram<double> _flushDuration;
    private readonly Counter<long> _shipped;
    private readonly Counter<long> _shipFailures;
    private readonly ConcurrentDictionary<string, Func<long>> _lag = new(StringComparer.Ordinal);

    public AuditTelemetry(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        _events = meter.CreateCounter<long>(EventsInstrument, "{record}", "Audit records written to the local hash chain.");
        _writeFailures = meter.CreateCounter<long>(WriteFailuresInstrument, "{record}", "Audit records that could not be written to the local hash chain.");
        _flushDuration = meter.CreateHistogram<double>(FlushDurationInstrument, "s", "Time to write and flush one batch of audit records to the local chain.");
        _shipped = meter.CreateCounter<long>(ShippedInstrument, "{record}", "Audit records shipped from the outbox to a target.");
        _shipFailures = meter.CreateCounter<long>(ShipFailuresInstrument, "{attempt}", "Failed attempts to ship a batch of audit records to a target.");
        meter.CreateObservableGauge(OutboxLagInstrument, ObserveLag, "{record}", "Audit records in the local outbox not yet shipped to a target.");
    }

    public static ActivitySource Source { get; } = new(Name);

    public void Written(int count, double seconds)
    {
        _events.Add(count);
        _flushDuration.Record(seconds);
    }

    public void WriteFailed(int count) => _writeFailures.Add(count);

    public void Shipped(string target, int count) => _shipped.Add(count, new KeyValuePair<string, object?>(TargetTag, target));

    public void ShipFailed(string target) => _shipFailures.Add(1, new KeyValuePair<string, object?>(TargetTag, target));

    /// <summary>Registers how a target's lag is read.</summary>
    public void TrackLag(string target, Func<long> lag) => _lag[target] = lag;

    private IEnumerable<Measurement<long>> ObserveLag()
    {
        foreach (var (target, lag) in _lag)
        {
            yield return new Measurement<long>(lag(), new KeyValuePair<string, object?>(TargetTag, target));
        }
    }
}
