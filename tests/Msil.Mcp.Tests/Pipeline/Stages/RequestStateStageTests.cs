using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Pipeline;
using Msil.Mcp.Pipeline.Stages;

namespace Msil.Mcp.Tests.Pipeline.Stages;

public sealed class RequestStateStageTests
{
    [Fact]
    public void Verify_IssuedForThisToolAndCaller_StateIsKept()
    {
        using var services = StageFixtures.Services();
        var protector = services.GetRequiredService<RequestStateProtector>();
        var state = StageFixtures.State();
        var echoed = protector.Protect("step-2", "look", state.Caller.PrincipalKey);

        new RequestStateStage(protector, NullLogger<RequestStateStage>.Instance).Verify(state, echoed);

        Assert.Equal("step-2", state.RequestState);
    }

    [Fact]
    public void Verify_IssuedForAnotherCaller_RefusedInvalidParams()
    {
        using var services = StageFixtures.Services();
        var protector = services.GetRequiredService<RequestStateProtector>();
        var state = StageFixtures.State();
        var echoed = protector.Protect("step-2", "look", "someone-else");

        var ex = Assert.Throws<McpProtocolException>(() => new RequestStateStage(protector, NullLogger<RequestStateStage>.Instance).Verify(state, echoed));

        Assert.Equal(McpErrorCode.InvalidParams, ex.ErrorCode);
        Assert.Equal(AuditOutcomes.RequestStateRejected, state.Outcome);
        Assert.Null(state.RequestState);
    }
}
