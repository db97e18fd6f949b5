using Msil.Mcp.Abstractions;
using Msil.Mcp.Pipeline.Stages;
using Msil.Mcp.Tests.Hosting;

namespace Msil.Mcp.Tests.Pipeline.Stages;

public sealed class TaskSupportStageTests
{
    [Fact]
    public void Check_ToolWithoutTaskSupport_NeverEligibleAndNeverRefused()
    {
        using var services = StageFixtures.Services();
        var state = StageFixtures.State();

        services.GetRequiredService<TaskSupportStage>().Check(state, null!);

        Assert.False(state.TaskEligible);
        Assert.Null(state.Outcome);
    }

    [Fact]
    public void Check_TasksTurnedOff_RequiredToolNotRefusedHere()
    {
        using var services = StageFixtures.Services(mcp => mcp.Services.Configure<Msil.Mcp.Tasks.ToolTaskOptions>(o => o.Enabled = false));
        var state = StageFixtures.State(Tools.Define("slow", RiskLevel.Read) with { TaskSupport = ToolTaskSupport.Required });

        services.GetRequiredService<TaskSupportStage>().Check(state, null!);

        Assert.False(state.TaskEligible);
    }
}
