using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Catalog;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Pipeline;

/// <summary>
/// <c>tools/list</c> shows a caller only the governed tools policy lets them call (action <c>list</c>), in stable
/// ordinal name order. Tools that are not in the catalog are never listed, because they could not be called either.
/// </summary>
internal sealed class ToolListFilter
{
    private readonly GovernedToolCollection _tools;
    private readonly ICallerIdentityResolver _identity;
    private readonly IPolicyDecisionPoint _policy;
    private readonly MsilMcpMetrics _metrics;

    public ToolListFilter(GovernedToolCollection tools, ICallerIdentityResolver identity, IPolicyDecisionPoint policy, MsilMcpMetrics metrics)
    {
        _tools = tools;
        _identity = identity;
        _policy = policy;
        _metrics = metrics;
        Filter = next => (context, cancellationToken) => InvokeAsync(context, next, cancellationToken);
    }

    public McpRequestFilter<ListToolsRequestParams, ListToolsResult> Filter { get; }

    internal async ValueTask<ListToolsResult> InvokeAsync(
        RequestContext<ListToolsRequestParams> context,
        McpRequestHandler<ListToolsRequestParams, ListToolsResult> next,
        CancellationToken cancellationToken)
    {
        var result = await next(context, cancellationToken).ConfigureAwait(false);
        var caller = _identity.Resolve(context.User);
        var visible = new List<Tool>(result.Tools.Count);
        foreach (var tool in result.Tools)
        {
            if (!_tools.TryGet(tool.Name, out var governed) || governed is null)
            {
                continue;
            }

            var decision = await _policy.EvaluateAsync(new PolicyRequest(caller, governed.Compiled.Definition, PolicyAction.List), cancellationToken).ConfigureAwait(false);
            _metrics.PolicyDecision(decision, PolicyAction.List);
            if (decision.Allow)
            {
                visible.Add(governed.ProtocolTool);
            }
        }

        visible.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        result.Tools = visible;
        return result;
    }
}
