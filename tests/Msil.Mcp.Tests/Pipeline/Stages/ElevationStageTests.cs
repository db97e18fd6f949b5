using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Pipeline;
using Msil.Mcp.Pipeline.Stages;
using Msil.Mcp.Tests.Hosting;

namespace Msil.Mcp.Tests.Pipeline.Stages;

public sealed class ElevationStageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ElevationStage Stage(RecordingElevation gate)
    {
        using var services = StageFixtures.Services();
        return new ElevationStage(gate, services.GetRequiredService<MsilMcpMetrics>(), NullLogger<ElevationStage>.Instance);
    }

    [Fact]
    public async Task CheckAsync_ReadTool_GateNotAsked()
    {
        var log = new StageLog();

        await Stage(new RecordingElevation(log)).CheckAsync(StageFixtures.State(), Ct);

        Assert.Empty(log.Entries);
    }

    [Fact]
    public async Task CheckAsync_Privileged_AsksWithTheServersCorrelationIdAndKeepsTheGrant()
    {
        var gate = new RecordingElevation(new StageLog());
        var state = StageFixtures.State(Tools.Define("wipe", RiskLevel.Privileged));

        await Stage(gate).CheckAsync(state, Ct);

        Assert.Equal(state.CorrelationId, gate.LastCorrelationId);
        Assert.Equal("PIM-TEST-1", state.Grant!.ApprovalReference);
    }

    [Fact]
    public async Task CheckAsync_GateThrows_RefusedFailClosed()
    {
        var gate = new RecordingElevation(new StageLog()) { Result = () => throw new InvalidOperationException("down") };
        var state = StageFixtures.State(Tools.Define("wipe", RiskLevel.Privileged));

        await Assert.ThrowsAsync<ElevationUnavailableException>(() => Stage(gate).CheckAsync(state, Ct).AsTask());

        Assert.Equal(AuditOutcomes.Denied, state.Outcome);
    }

    [Fact]
    public async Task CheckAsync_NoGrant_UrlElicitation()
    {
        var gate = new RecordingElevation(new StageLog())
        {
            Result = () => new ElevationCheck(ElevationOutcome.Required, "no grant", "wipe", ElevationUrl: new Uri("https://pim.example/a")),
        };
        var state = StageFixtures.State(Tools.Define("wipe", RiskLevel.Privileged));

        var ex = await Assert.ThrowsAsync<UrlElicitationRequiredException>(() => Stage(gate).CheckAsync(state, Ct).AsTask());

        Assert.Equal(McpErrorCode.UrlElicitationRequired, ex.ErrorCode);
        Assert.Equal(AuditOutcomes.ElevationRequired, state.Outcome);
    }
}
