using System.Diagnostics;
using System.Diagnostics.Metrics;
using Msil.Mcp.Apim.Resilience;

namespace Msil.Mcp.Apim.Diagnostics;

/// <summary>
/// The APIM package's instruments (Meter <c>Msil.Mcp.Apim</c>) and its ActivitySource. Instruments and tags are listed
/// in <c>docs/apim.md</c> and <c>docs/telemetry.md</c>.
/// </summary>
internal sealed class ApimMetrics
{
    public const string Name = "Msil.Mcp.Apim";

    public const string GatewayTag = "msil.apim.gateway";
    public const string OutcomeTag = "msil.apim.outcome";
    public const string StatusTag = "http.response.status_code";
    public const string ErrorTypeTag = "error.type";
    public const string TimeoutKindTag = "msil.apim.timeout.kind";

    private readonly Counter<long> _requests;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _timeouts;
    private readonly Counter<long> _circuitRejections;
    private readonly Histogram<double> _duration;

    private GatewayRuntime[] _gateways = [];

    public ApimMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        _requests = meter.CreateCounter<long>("msil.mcp.apim.requests", "{request}", "Tool calls sent to an API gateway, by final outcome.");
        _retries = meter.CreateCounter<long>("msil.mcp.apim.retries", "{retry}", "Attempts sent again after a transient failure.");
        _timeouts = meter.CreateCounter<long>("msil.mcp.apim.timeouts", "{timeout}", "Attempts (kind attempt), whole calls (kind total) or body reads (kind body) that ran out of time.");
        _circuitRejections = meter.CreateCounter<long>("msil.mcp.apim.circuit.rejections", "{request}", "Attempts refused by an open circuit breaker without reaching the gateway.");
        _duration = meter.CreateHistogram<double>("msil.mcp.apim.duration", "s", "Time of a tool call to the gateway: attempts, waits between them and reading the body.");
        meter.CreateObservableGauge("msil.mcp.apim.circuit.state", ObserveCircuits, "{state}", "Circuit breaker state per gateway: 0 closed, 1 half-open, 2 open.");
    }

    public static ActivitySource Source { get; } = new(Name);

    public void Request(string gateway, string outcome, int? status, double seconds)
    {
        var tags = new TagList { { GatewayTag, gateway }, { OutcomeTag, outcome } };
        if (status is { } s)
        {
            tags.Add(StatusTag, s);
        }

        _requests.Add(1, tags);
        _duration.Record(seconds, tags);
    }

    public void Retry(string gateway, string reason)
        => _retries.Add(1, new KeyValuePair<string, object?>(GatewayTag, gateway), new KeyValuePair<string, object?>(ErrorTypeTag, reason));

    public void Timeout(string gateway, string kind)
        => _timeouts.Add(1, new KeyValuePair<string, object?>(GatewayTag, gateway), new KeyValuePair<string, object?>(TimeoutKindTag, kind));

    public void CircuitRejected(string gateway)
        => _circuitRejections.Add(1, new KeyValuePair<string, object?>(GatewayTag, gateway));

    /// <summary>Adds a gateway to the circuit state gauge.</summary>
    public void Track(GatewayRuntime gateway)
    {
        GatewayRuntime[] current, updated;
        do
        {
            current = _gateways;
            updated = [.. current, gateway];
        }
        while (Interlocked.CompareExchange(ref _gateways, updated, current) != current);
    }

    private IEnumerable<Measurement<int>> ObserveCircuits()
    {
        foreach (var gateway in Volatile.Read(ref _gateways))
        {
            yield return new Measurement<int>((int)gateway.Breaker.State, new KeyValuePair<string, object?>(GatewayTag, gateway.Name));
        }
    }
}
