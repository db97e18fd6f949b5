using ModelContextProtocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Catalog;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Pipeline;
using Msil.Mcp.Pipeline.Stages;
using Msil.Mcp.Tests.Hosting;

namespace Msil.Mcp.Tests.Pipeline.Stages;

public sealed class ResolveStageTests
{
    [Fact]
    public void TryResolve_CatalogTool_FoundOtherNameNot()
    {
        using var services = StageFixtures.Services(mcp => mcp.AddTools("test", [Tools.Define("look", RiskLevel.Read)]));
        services.GetRequiredService<IToolCatalogWriter>().ReplaceSource("test", [Tools.Define("look", RiskLevel.Read)]);
        var stage = new ResolveStage(services.GetRequiredService<GovernedToolCollection>());

        Assert.True(stage.TryResolve("look", out var tool));
        Assert.Equal("look", tool.Compiled.Definition.Name);
        Assert.False(stage.TryResolve("Look", out _));
    }

    [Fact]
    public void UnknownTool_LongName_AnswerIsBoundedInvalidParams()
    {
        var state = new CallState { ToolName = CallerText.Bound(new string('n', 10_000)), CorrelationId = "c", StartTimestamp = 0 };

        var ex = ResolveStage.UnknownTool(state);

        Assert.Equal(McpErrorCode.InvalidParams, ex.ErrorCode);
        Assert.StartsWith("Unknown tool: 'nnn", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Message.Length < 200);
    }
}
