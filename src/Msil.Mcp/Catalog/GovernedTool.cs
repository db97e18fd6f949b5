using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Msil.Mcp.Pipeline;

namespace Msil.Mcp.Catalog;

/// <summary>The SDK-facing form of a catalog tool. Runs only inside the governed pipeline, through its execute stage.</summary>
internal sealed class GovernedTool(CompiledTool compiled, Pipeline.Stages.ExecuteStage execute) : McpServerTool
{
    public CompiledTool Compiled { get; } = compiled;

    public override Tool ProtocolTool => Compiled.ProtocolTool;

    public override IReadOnlyList<object> Metadata => [];

    public override ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);

        // The pipeline puts the call state in Items after every governance stage has passed. Without it the call
        // did not come through the pipeline (a filter was removed, or a host invoked the tool directly): refuse.
        if (!request.Items.TryGetValue(CallState.ItemKey, out var value) || value is not CallState state || !ReferenceEquals(state.Tool, Compiled))
        {
            throw new InvalidOperationException($"Tool '{Compiled.Definition.Name}' was invoked outside the governed pipeline.");
        }

        return execute.ExecuteAsync(state, cancellationToken);
    }
}
