using System.Diagnostics.CodeAnalysis;
using ModelContextProtocol;
using Msil.Mcp.Catalog;

namespace Msil.Mcp.Pipeline.Stages;

/// <summary>
/// Stage 2, resolve: finds the catalog tool a call names. A name that is not a catalog tool gets
/// <see cref="UnknownTool"/>, the same answer as a tool the caller may not see (<see cref="PolicyStage"/>).
/// </summary>
internal sealed class ResolveStage(GovernedToolCollection tools)
{
    public bool TryResolve(string name, [NotNullWhen(true)] out GovernedTool? tool) => tools.TryGet(name, out tool) && tool is not null;

    /// <summary>
    /// The one answer for a name the caller may not know: not in the catalog, or a tool its policy hides. The name is the
    /// bounded one (<see cref="CallState.ToolName"/>), so the message cannot grow with the request.
    /// </summary>
    public static McpProtocolException UnknownTool(CallState state) => new($"Unknown tool: '{state.ToolName}'.", McpErrorCode.InvalidParams);
}
