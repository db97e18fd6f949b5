using System.Reflection;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Msil.Mcp.Catalog;
using Msil.Mcp.Pipeline;

namespace Msil.Mcp.Hosting;

/// <summary>
/// Points every <see cref="McpServerOptions"/> the SDK builds (one per request in stateless mode) at the shared governed
/// tool collection and installs the pipeline's filters as the outermost ones. Only reference assignments: it runs per request.
/// </summary>
internal sealed class MsilMcpServerOptionsSetup(
    GovernedToolCollection tools,
    ToolCallPipeline callPipeline,
    ToolListFilter listFilter,
    Diagnostics.RequestMetricsFilter requestMetrics,
    IOptionsMonitor<MsilMcpOptions> options) : IConfigureOptions<McpServerOptions>
{
    private static readonly string DefaultVersion =
        typeof(MsilMcpServerOptionsSetup).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public void Configure(McpServerOptions mcp)
    {
        var o = options.CurrentValue;
        mcp.ServerInfo = new Implementation { Name = o.ServerName, Version = o.ServerVersion ?? DefaultVersion };
        mcp.ServerInstructions ??= o.Instructions;
        mcp.ToolCollection = tools.Tools;
        mcp.Filters.Request.CallToolFilters.Insert(0, callPipeline.Filter);
        mcp.Filters.Request.ListToolsFilters.Insert(0, listFilter.Filter);
        mcp.Filters.Message.IncomingFilters.Insert(0, requestMetrics.Filter);
    }
}
