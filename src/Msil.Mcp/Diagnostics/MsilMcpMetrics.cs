using System.Diagnostics;
using System.Diagnostics.Metrics;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Diagnostics;

/// <summary>The core's instruments (names in docs/telemetry.md).</summary>
internal sealed class MsilMcpMetrics
{
    private readonly Counter<long> _toolExecutions;
    private readonly Histogram<double> _toolDuration;
    private readonly Counter<long> _policyDecisions;
    private readonly Counter<long> _elevation;
    private readonly Counter<long> _rateLimited;
    private readonly Counter<long> _rateLimitStoreUnavailable;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _requestDuration;

    public MsilMcpMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MsilMcpTelemetry.CoreName);
        _toolExecutions = meter.CreateCounter<long>("msil.mcp.tool.executions", "{call}", "Governed tool calls by outcome.");
        _toolDuration = meter.CreateHistogram<double>("msil.mcp.tool.duration", "s", "Duration of governed tool calls, all stages included.");
        _policyDecisions = meter.CreateCounter<long>("msil.mcp.policy.decisions", "{decision}", "Policy decisions by result, action and engine.");
        _elevation = meter.CreateCounter<long>("msil.mcp.elevation.checks", "{check}", "Elevation checks of privileged calls by outcome.");
        _rateLimited = meter.CreateCounter<long>("msil.mcp.ratelimit.rejections", "{call}", "Calls refused by a rate limit, by tool and by which limit.");
        _rateLimitStoreUnavailable = meter.CreateCounter<long>("msil.mcp.ratelimit.store.unavailable", "{call}", "Calls that met an unreachable shared rate-limit store, by what happened instead (memory fallback or refused).");
        _errors = meter.CreateCounter<long>("msil.mcp.errors", "{call}", "Governed tool calls that did not succeed, by tool and outcome (the numerator of the error rate).");
        _requests = meter.CreateCounter<long>("msil.mcp.requests", "{request}", "MCP JSON-RPC requests received, by method.");
        _requestDuration = meter.CreateHistogram<double>("msil.mcp.request.duration", "s", "Time from receiving an MCP JSON-RPC request to its handling being done, by method.");
    }

    public void ToolExecution(string tool, string outcome, RiskLevel? risk, double seconds)
    {
        var tags = new TagList
        {
            { "mcp.tool.name", tool },
            { "msil.outcome", outcome },
            { "msil.risk_level", risk?.ToWire() },
        };
        _toolExecutions.Add(1, tags);
        _toolDuration.Record(seconds, tags);
        if (outcome != "success")
        {
            _errors.Add(1, new KeyValuePair<string, object?>("mcp.tool.name", tool), new KeyValuePair<string, object?>("msil.outcome", outcome));
        }
    }

    public void Request(string method, string? errorType, double seconds)
    {
        var tags = new TagList { { "mcp.method.name", method } };
        if (errorType is not null)
        {
            tags.Add("error.type", errorType);
        }

        _requests.Add(1, tags);
        _requestDuration.Record(seconds, tags);
    }

    public void RateLimitStoreUnavailable(string fallback)
        => _rateLimitStoreUnavailable.Add(1, new KeyValuePair<string, object?>("msil.ratelimit.fallback", fallback));

    public void PolicyDecision(PolicyDecision decision, PolicyAction action)
    {
        if (_policyDecisions.Enabled)
        {
            _policyDecisions.Add(1, new TagList
            {
                { "msil.policy.decision", decision.Allow ? "allow" : "deny" },
                { "msil.policy.action", action == PolicyAction.List ? "list" : "execute" },
                { "msil.policy.engine", decision.Engine },
            });
        }
    }

    public void RateLimited(string tool, string limit)
        => _rateLimited.Add(1, new KeyValuePair<string, object?>("mcp.tool.name", tool), new KeyValuePair<string, object?>("msil.ratelimit.limit", limit));

    public void Elevation(ElevationOutcome outcome)
        => _elevation.Add(1, new KeyValuePair<string, object?>("msil.elevation.outcome", outcome switch
        {
            ElevationOutcome.Granted => "granted",
            ElevationOutcome.Required => "required",
            _ => "unavailable",
        }));
}
