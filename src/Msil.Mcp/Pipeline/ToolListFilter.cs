using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Catalog;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Pipeline;

/// <summary>
/// <c>tools/list</c> shows a caller only the governed tools policy lets them call (action <c>list</c>), in stable
/// ordinal name order, <see cref="MsilMcpOptions.ToolsListPageSize"/> at a time. It answers from the governed
/// collection itself (the SDK's handler and any list filter inside this one are not called): tools that are not in the
/// catalog are never listed, because they could not be called either.
/// </summary>
internal sealed class ToolListFilter
{
    private readonly GovernedToolCollection _tools;
    private readonly ICallerIdentityResolver _identity;
    private readonly IPolicyDecisionPoint _policy;
    private readonly MsilMcpMetrics _metrics;
    private readonly ToolListCursor _cursor;
    private readonly IOptionsMonitor<MsilMcpOptions> _options;
    private readonly bool _writeRaw;

    public ToolListFilter(
        GovernedToolCollection tools,
        ICallerIdentityResolver identity,
        IPolicyDecisionPoint policy,
        MsilMcpMetrics metrics,
        ToolListCursor cursor,
        IOptionsMonitor<MsilMcpOptions> options,
        ToolListJsonMode jsonMode)
    {
        _tools = tools;
        _identity = identity;
        _policy = policy;
        _metrics = metrics;
        _cursor = cursor;
        _options = options;
        _writeRaw = jsonMode.WritesRaw;
        Filter = _ => (context, cancellationToken) => InvokeAsync(context, cancellationToken);
    }

    public McpRequestFilter<ListToolsRequestParams, ListToolsResult> Filter { get; }

    /// <summary>
    /// Answers one page: the result carries the cursor and caching hints, and the page's tools go to the response as
    /// their cached UTF-8 JSON (<see cref="ToolListPage"/>), left in the request's items for the outgoing filter.
    /// </summary>
    internal async ValueTask<ListToolsResult> InvokeAsync(RequestContext<ListToolsRequestParams> context, CancellationToken cancellationToken)
    {
        var (page, nextCursor) = await ListPageAsync(context, cancellationToken).ConfigureAwait(false);
        context.Items[ToolListPage.ItemKey] = page;
        var result = new ListToolsResult { NextCursor = nextCursor };
        var version = context.JsonRpcRequest.Context?.ProtocolVersion ?? context.Server.NegotiatedProtocolVersion;
        if (string.CompareOrdinal(version, "2026-07-28") >= 0)
        {
            // SEP-2549 caching hints (2026-07-28): the list is filtered for this caller, so no shared cache may keep it.
            result.CacheScope = CacheScope.Private;
            result.TimeToLive = TimeSpan.FromSeconds(_options.CurrentValue.ToolsListTtlSeconds);
        }

        return result;
    }

    /// <summary>The tools of the page the request asks for, filtered by policy, and the cursor of the next page if any.</summary>
    /// <exception cref="McpProtocolException">The cursor is not one this server issued to this caller (-32602).</exception>
    internal async ValueTask<(ToolListPage Page, string? NextCursor)> ListPageAsync(RequestContext<ListToolsRequestParams> context, CancellationToken cancellationToken)
    {
        var caller = _identity.Resolve(context.User);
        var listing = _tools.Listing;
        var start = 0;
        if (context.Params?.Cursor is { } cursor)
        {
            if (!_cursor.TryRead(cursor, caller.PrincipalKey, out var after, out var reason))
            {
                throw new McpProtocolException($"Invalid cursor for tools/list: {reason}. List again without a cursor to start from the first page.", McpErrorCode.InvalidParams);
            }

            start = FirstAfter(listing, after);
        }

        var pageSize = _options.CurrentValue.ToolsListPageSize;
        var remaining = listing.Count - start;
        var visible = new List<CompiledTool>(pageSize > 0 ? Math.Min(pageSize, remaining) : remaining);
        string? nextCursor = null;
        for (var i = start; i < listing.Count; i++)
        {
            var tool = listing[i];
            var decision = await _policy.EvaluateAsync(new PolicyRequest(caller, tool.Definition, PolicyAction.List), cancellationToken).ConfigureAwait(false);
            _metrics.PolicyDecision(decision, PolicyAction.List);
            if (!decision.Allow)
            {
                continue;
            }

            if (pageSize > 0 && visible.Count == pageSize)
            {
                // One more tool is visible: the page ends here and the next one starts after its last name. (That tool
                // is evaluated again on the next page, so a decision that changed meanwhile counts.)
                nextCursor = _cursor.Create(caller.PrincipalKey, visible[^1].Definition.Name);
                break;
            }

            visible.Add(tool);
        }

        return (new ToolListPage(visible, _writeRaw), nextCursor);
    }

    /// <summary>The index of the first tool whose name sorts after <paramref name="name"/> (ordinal), by binary search.</summary>
    private static int FirstAfter(IReadOnlyList<CompiledTool> listing, string name)
    {
        int low = 0, high = listing.Count;
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            if (string.CompareOrdinal(listing[middle].Definition.Name, name) <= 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}
