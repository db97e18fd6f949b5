using ModelContextProtocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Pipeline.Stages;
using Msil.Mcp.Tests.Hosting;

namespace Msil.Mcp.Tests.Pipeline.Stages;

public sealed class AuditGateStageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EnsureWritableAsync_GateRefusesPrivileged_ToolErrorAndAuditOutcome()
    {
        var state = StageFixtures.State(Tools.Define("wipe", RiskLevel.Privileged));

        var ex = await Assert.ThrowsAsync<McpException>(() => new AuditGateStage(new RefusePrivilegedGate()).EnsureWritableAsync(state, Ct).AsTask());

        Assert.Contains("audit record could not be kept", ex.Message, StringComparison.Ordinal);
        Assert.Equal(AuditOutcomes.AuditUnavailable, state.Outcome);
    }

    [Fact]
    public async Task EnsureWritableAsync_ReadTool_Passes()
    {
        var state = StageFixtures.State();

        await new AuditGateStage(new RefusePrivilegedGate()).EnsureWritableAsync(state, Ct);

        Assert.Null(state.Outcome);
    }
}
