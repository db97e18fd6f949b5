using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Catalog;
using Msil.Mcp.Defaults;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Pipeline;

namespace Msil.Mcp.Hosting;

/// <summary>Says at start which engines are in the governed path, and warns where the host left a fail-closed default.</summary>
internal sealed class StartupReporter(
    IOptions<MsilMcpOptions> options,
    IPolicyDecisionPoint policy,
    IElevationGate elevation,
    IAuditSink audit,
    ToolExecutorRegistry executors,
    GovernedToolCollection tools,
    ILogger<StartupReporter> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = tools.Tools.Count; // builds the collection (and compiles the catalog's tools) before the first request.
        if (policy is FailClosedPolicyDecisionPoint)
        {
            Log.NoPolicyEngine(logger);
        }

        if (audit is NullAuditSink)
        {
            Log.NoAuditSink(logger);
        }

        Log.Ready(logger, options.Value.ServerName, options.Value.SessionMode.ToString(), policy.GetType().Name, elevation.GetType().Name, audit.GetType().Name, string.Join(", ", executors.Kinds));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
