using System.Text.Json;
using ModelContextProtocol.Protocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Pipeline.Stages;

namespace Msil.Mcp.Tests.Pipeline.Stages;

public sealed class ShapeStageTests
{
    [Fact]
    public void Shape_ContentOverLimit_CutsTextLeavesOutBinaryAndSaysSo()
    {
        var result = new ToolResult
        {
            Text = "s",
            StructuredContent = JsonDocument.Parse("""{"a":1}""").RootElement.Clone(),
            Content = [new TextToolContent(new string('x', 1000)), new ImageToolContent(new string('A', 2000), "image/png"), new TextToolContent(new string('y', 100))],
        };

        var shaped = ShapeStage.Shape(result, 1024);

        Assert.Equal(3, shaped.Content.Count);
        Assert.Equal(1000, Assert.IsType<TextContentBlock>(shaped.Content[0]).Text.Length);
        Assert.Equal(24, Assert.IsType<TextContentBlock>(shaped.Content[1]).Text.Length);
        Assert.Contains("cut at 1024 of 3100 characters; 1 content block(s) left out", Assert.IsType<TextContentBlock>(shaped.Content[2]).Text, StringComparison.Ordinal);
        Assert.Null(shaped.StructuredContent);
    }

    [Fact]
    public void Complete_ToolError_RecordsOutcomeStatusAndAShortDetail()
    {
        var stage = new ShapeStage(new StaticOptionsMonitor<MsilMcpOptions>(new MsilMcpOptions()));
        var state = StageFixtures.State();

        var shaped = stage.Complete(state, new ToolResult { Text = new string('e', 1000), IsError = true, BackendStatus = 502, Size = 1000 });

        Assert.True(shaped.IsError);
        Assert.Equal(AuditOutcomes.ToolError, state.Outcome);
        Assert.Equal(502, state.BackendStatus);
        Assert.Equal(1000, state.ResultSize);
        Assert.Equal(257, state.Detail!.Length);
    }
}
