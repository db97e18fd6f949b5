using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Pipeline.Stages;
using Msil.Mcp.Tests.Hosting;

namespace Msil.Mcp.Tests.Pipeline.Stages;

public sealed class ExecuteStageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ExecuteAsync_ExecutorOfTheToolsKind_RunsWithTheValidatedArgumentsAndShapes()
    {
        var log = new StageLog();
        using var services = StageFixtures.Services(mcp =>
        {
            mcp.Services.AddSingleton(log);
            mcp.AddToolExecutor<RecordingExecutor>();
        });
        var state = StageFixtures.State();

        var result = await services.GetRequiredService<ExecuteStage>().ExecuteAsync(state, Ct);

        Assert.Equal(["execute:look"], log.Entries);
        Assert.Equal("""{"ok":true}""", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Equal(AuditOutcomes.Success, state.Outcome);
    }

    [Fact]
    public async Task ExecuteAsync_NoExecutorOfTheKind_FailsAndSaysWhich()
    {
        using var services = StageFixtures.Services();
        var state = StageFixtures.State();

        var ex = await Assert.ThrowsAsync<McpException>(() => services.GetRequiredService<ExecuteStage>().ExecuteAsync(state, Ct).AsTask());

        Assert.Contains("no executor of kind 'test'", ex.Message, StringComparison.Ordinal);
        Assert.Equal(AuditOutcomes.Failed, state.Outcome);
    }
}
