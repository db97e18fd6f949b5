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
    Tasks.ToolTaskRequestHandlers taskHandlers,
    IOptionsMonitor<Tasks.ToolTaskOptions> taskOptions,
    IOptionsMonitor<MsilMcpOptions> options) : IConfigureOptions<McpServerOptions>
{
    private static readonly string DefaultVersion =
        typeof(MsilMcpServerOptionsSetup).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private static readonly System.Text.Json.JsonElement EmptyObject = Tasks.ToolTaskNegotiation.EmptyObject();

#pragma warning disable MCPEXP002
    /// <summary>Returns the task the governed call became (<see cref="CallState.CreatedTask"/>) in place of its placeholder result.</summary>
    internal static readonly McpRequestInvocationFilter<CallToolRequestParams, ResultOrAlternate<CallToolResult>> TaskResultFilter = async (context, next, cancellationToken) =>
    {
        var result = await next(context, cancellationToken).ConfigureAwait(false);
        return context.Items.TryGetValue(CallState.ItemKey, out var value) && value is CallState { CreatedTask: { } created }
            ? ResultOrAlternate<CallToolResult>.FromAlternate(created, Tasks.ToolTaskJsonContext.Default.CreateTaskResult)
            : result;
    };
#pragma warning restore MCPEXP002

    /// <summary>The server info of the current options, made once per options instance (a reload makes a new one), not per request.</summary>
    private ServerInfoOf? _serverInfo;

    public void Configure(McpServerOptions mcp)
    {
        var o = options.CurrentValue;
        var info = Volatile.Read(ref _serverInfo);
        if (info is null || !ReferenceEquals(info.Options, o))
        {
            info = new ServerInfoOf(o, new Implementation { Name = o.ServerName, Version = o.ServerVersion ?? DefaultVersion });
            Volatile.Write(ref _serverInfo, info);
        }

        mcp.ServerInfo = info.Info;
        mcp.ServerInstructions ??= o.Instructions;
        mcp.ToolCollection = tools.Tools;
        mcp.Filters.Request.CallToolFilters.Insert(0, callPipeline.Filter);

        // Outside the pipeline, with its outgoing half: the result's text and structured content skip the SDK's DOM.
        mcp.Filters.Request.CallToolFilters.Insert(0, CallResultWriter.Filter);
        mcp.Filters.Message.OutgoingFilters.Insert(0, CallResultWriter.OutgoingFilter);

        mcp.Filters.Request.ListToolsFilters.Insert(0, listFilter.Filter);
        mcp.Filters.Message.OutgoingFilters.Insert(0, ToolListPage.OutgoingFilter);
        mcp.Filters.Message.IncomingFilters.Insert(0, requestMetrics.Filter);
        if (taskOptions.CurrentValue.Enabled)
        {
            // The tasks extension (SEP-2663): advertised under capabilities.extensions (never a v1 capabilities.tasks),
            // the CreateTaskResult swapped in outside the ordinary call-tool filters, and tasks/get|update|cancel.
            mcp.Capabilities ??= new ServerCapabilities();
            mcp.Capabilities.Extensions ??= new Dictionary<string, object>(StringComparer.Ordinal);
            mcp.Capabilities.Extensions[Tasks.ToolTaskNegotiation.ExtensionId] = EmptyObject;
#pragma warning disable MCPEXP002 // the alternate-result call-tool pipeline is experimental in SDK 2.4.0; it is how a tools/call answers with a CreateTaskResult.
            mcp.Filters.Request.CallToolWithAlternateFilters.Insert(0, TaskResultFilter);
            mcp.RequestHandlers ??= new List<McpServerRequestHandler>(taskHandlers.Handlers.Count);
            foreach (var handler in taskHandlers.Handlers)
            {
                mcp.RequestHandlers.Add(handler);
            }
#pragma warning restore MCPEXP002
        }
    }

    private sealed record ServerInfoOf(MsilMcpOptions Options, Implementation Info);
}
