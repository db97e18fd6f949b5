using System.Diagnostics;
using System.Diagnostics.Metrics;
using ModelContextProtocol.Protocol;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Diagnostics;

/// <summary>
/// The core's instruments (names in docs/telemetry.md). No label takes caller input: <c>mcp.tool.name</c> is a catalog
/// tool's name or <see cref="CallerText.UnknownTool"/>, <c>mcp.method.name</c> one of the MCP methods or <c>_other</c>.
/// </summary>
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

    /// <summary>The <c>mcp.method.name</c> label of a request whose method is not one of MCP's.</summary>
    public const string OtherMethod = "_other";

    /// <summary>Records a governed call; <paramref name="catalogTool"/> is <see langword="null"/> when the name was not a catalog tool.</summary>
    public void ToolExecution(string? catalogTool, string outcome, RiskLevel? risk, double seconds)
    {
        var tool = catalogTool ?? CallerText.UnknownTool;
        if (_toolExecutions.Enabled || _toolDuration.Enabled)
        {
            var tags = new TagList
            {
                { "mcp.tool.name", tool },
                { "msil.outcome", outcome },
                { "msil.risk_level", risk?.ToWire() },
            };
            _toolExecutions.Add(1, tags);
            _toolDuration.Record(seconds, tags);
        }

        if (outcome != "success" && _errors.Enabled)
        {
            _errors.Add(1, new TagList { { "mcp.tool.name", tool }, { "msil.outcome", outcome } });
        }
    }

    public void Request(string method, string? errorType, double seconds)
    {
        if (!_requests.Enabled && !_requestDuration.Enabled)
        {
            return;
        }

        var tags = new TagList { { "mcp.method.name", KnownMethod(method) } };
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

    /// <summary>Records a rate-limit refusal; the caller's own limit is taken before the tool is resolved, so it has no tool.</summary>
    public void RateLimited(string? catalogTool, string limit)
    {
        if (catalogTool is null)
        {
            _rateLimited.Add(1, new KeyValuePair<string, object?>("msil.ratelimit.limit", limit));
        }
        else
        {
            _rateLimited.Add(1, new KeyValuePair<string, object?>("mcp.tool.name", catalogTool), new KeyValuePair<string, object?>("msil.ratelimit.limit", limit));
        }
    }

    /// <summary>Returns the method as a label when it is an MCP request method (the same string instance), else <see cref="OtherMethod"/>.</summary>
#pragma warning disable MCP9005 // logging, sampling and roots are deprecated from 2026-07-28 (SEP-2577), and still requests of earlier revisions.
    internal static string KnownMethod(string method) => method switch
    {
        RequestMethods.Initialize => RequestMethods.Initialize,
        RequestMethods.Ping => RequestMethods.Ping,
        RequestMethods.ToolsList => RequestMethods.ToolsList,
        RequestMethods.ToolsCall => RequestMethods.ToolsCall,
        RequestMethods.PromptsList => RequestMethods.PromptsList,
        RequestMethods.PromptsGet => RequestMethods.PromptsGet,
        RequestMethods.ResourcesList => RequestMethods.ResourcesList,
        RequestMethods.ResourcesRead => RequestMethods.ResourcesRead,
        RequestMethods.ResourcesTemplatesList => RequestMethods.ResourcesTemplatesList,
        RequestMethods.ResourcesSubscribe => RequestMethods.ResourcesSubscribe,
        RequestMethods.ResourcesUnsubscribe => RequestMethods.ResourcesUnsubscribe,
        RequestMethods.CompletionComplete => RequestMethods.CompletionComplete,
        RequestMethods.LoggingSetLevel => RequestMethods.LoggingSetLevel,
        RequestMethods.SamplingCreateMessage => RequestMethods.SamplingCreateMessage,
        RequestMethods.ElicitationCreate => RequestMethods.ElicitationCreate,
        RequestMethods.RootsList => RequestMethods.RootsList,
        RequestMethods.ServerDiscover => RequestMethods.ServerDiscover,
        RequestMethods.SubscriptionsListen => RequestMethods.SubscriptionsListen,
        "tasks/get" => "tasks/get",
        "tasks/update" => "tasks/update",
        "tasks/cancel" => "tasks/cancel",
        "tasks/result" => "tasks/result",
        "tasks/list" => "tasks/list",
        _ => OtherMethod,
    };
#pragma warning restore MCP9005

    public void Elevation(ElevationOutcome outcome)
        => _elevation.Add(1, new KeyValuePair<string, object?>("msil.elevation.outcome", outcome switch
        {
            ElevationOutcome.Granted => "granted",
            ElevationOutcome.Required => "required",
            _ => "unavailable",
        }));
}
