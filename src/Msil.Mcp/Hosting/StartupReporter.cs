using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Catalog;
using Msil.Mcp.Configuration;
using Msil.Mcp.Defaults;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Pipeline;

namespace Msil.Mcp.Hosting;

/// <summary>
/// Says at start which engines are in the governed path, and warns where the host left a fail-closed default, where a
/// key under <c>Msil:Mcp</c> is read by no package, and where the catalog is empty. "Ready" is logged once the host has
/// started (<see cref="IHostApplicationLifetime.ApplicationStarted"/>), after every hosted service (the registry's
/// start-up import among them) has finished starting.
/// </summary>
internal sealed class StartupReporter(
    IOptions<MsilMcpOptions> options,
    IPolicyDecisionPoint policy,
    IElevationGate elevation,
    IAuditSink audit,
    ToolExecutorRegistry executors,
    GovernedToolCollection tools,
    IHostApplicationLifetime lifetime,
    IServiceProvider services,
    IEnumerable<KnownConfigurationSection> known,
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

        // In Production an unknown key fails the start (ConfigurationKeyValidator); elsewhere it is a warning.
        if (services.GetService<IConfiguration>() is { } configuration && services.GetService<IHostEnvironment>() is { } environment && !environment.IsProduction())
        {
            foreach (var problem in ConfigurationKeyCheck.FindUnknownKeys(configuration, [.. known]))
            {
                Log.UnknownConfigurationKey(logger, problem);
            }
        }

        lifetime.ApplicationStarted.Register(ReportReady);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    internal void ReportReady()
    {
        var count = tools.Tools.Count;
        if (count == 0)
        {
            Log.EmptyCatalog(logger);
        }

        Log.Ready(logger, options.Value.ServerName, count, options.Value.SessionMode.ToString(), policy.GetType().Name, elevation.GetType().Name, audit.GetType().Name, string.Join(", ", executors.Kinds));
    }
}
