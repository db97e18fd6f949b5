using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Pipeline;
using Msil.Mcp.Pipeline.Stages;
using Msil.Mcp.Testing;

namespace Msil.Mcp.Tests.Pipeline.Stages;

public sealed class PolicyStageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static PolicyStage Stage(IPolicyDecisionPoint policy)
    {
        using var services = StageFixtures.Services();
        return new PolicyStage(policy, services.GetRequiredService<MsilMcpMetrics>(), NullLogger<PolicyStage>.Instance);
    }

    [Fact]
    public void PolicyDecision_NewDecisions_IdIsDecAnd16LowerHexDigitsAndFresh()
    {
        var allowed = PolicyDecision.Allowed("ok", "test");
        var denied = PolicyDecision.Denied("no", "test");

        Assert.Matches("^dec_[0-9a-f]{16}$", allowed.DecisionId);
        Assert.Matches("^dec_[0-9a-f]{16}$", denied.DecisionId);
        Assert.NotEqual(allowed.DecisionId, denied.DecisionId);
    }

    [Fact]
    public async Task AuthorizeAsync_Allowed_AsksOnceForExecuteWithoutArguments()
    {
        var policy = ScriptedPolicyDecisionPoint.AllowAll();
        var state = StageFixtures.State();

        await Stage(policy).AuthorizeAsync(state, Ct);

        var request = Assert.Single(policy.Requests);
        Assert.Equal(PolicyAction.Execute, request.Action);
        Assert.Null(request.Arguments);
        Assert.True(state.Decision!.Allow);
    }

    [Fact]
    public async Task AuthorizeAsync_DeniedButListable_PolicyDeniedWithReasonAndDecisionId()
    {
        var policy = new ScriptedPolicyDecisionPoint().Allow("look", PolicyAction.List).Deny("look", "not today", PolicyAction.Execute);
        var state = StageFixtures.State();

        var ex = await Assert.ThrowsAsync<PolicyDeniedException>(() => Stage(policy).AuthorizeAsync(state, Ct).AsTask());

        Assert.Equal("not today", ex.Reason);
        Assert.Equal(state.Decision!.DecisionId, ex.DecisionId);
        Assert.Equal(AuditOutcomes.Denied, state.Outcome);
        Assert.Equal([PolicyAction.Execute, PolicyAction.List], policy.Requests.Select(r => r.Action));
    }

    [Fact]
    public async Task AuthorizeAsync_DeniedAndNotListable_TheUnknownToolAnswer()
    {
        var policy = new ScriptedPolicyDecisionPoint().Deny("look", "secret tool");
        var state = StageFixtures.State();

        var ex = await Assert.ThrowsAsync<McpProtocolException>(() => Stage(policy).AuthorizeAsync(state, Ct).AsTask());

        Assert.IsNotType<PolicyDeniedException>(ex);
        Assert.Equal(ResolveStage.UnknownTool(state).Message, ex.Message);
        Assert.Equal(McpErrorCode.InvalidParams, ex.ErrorCode);
        Assert.DoesNotContain("secret", ex.Message, StringComparison.Ordinal);
        Assert.Equal(AuditOutcomes.Denied, state.Outcome);
        Assert.Equal(PolicyStage.HiddenDetail, state.Detail);
    }

    [Fact]
    public async Task AuthorizeAsync_DecisionPointNeedsArguments_ListFirstThenExecuteWithTheValidatedArguments()
    {
        var policy = new ArgumentPolicy();
        var state = StageFixtures.State();
        var stage = Stage(policy);

        await stage.AuthorizeAsync(state, Ct);
        state.Arguments = new Dictionary<string, System.Text.Json.JsonElement> { ["id"] = System.Text.Json.JsonDocument.Parse("\"7\"").RootElement };
        await stage.AuthorizeArgumentsAsync(state, Ct);

        Assert.True(stage.RequiresArguments);
        Assert.Equal([(PolicyAction.List, false), (PolicyAction.Execute, true)], policy.Requests.Select(r => (r.Action, r.Arguments is not null)));
    }

    [Fact]
    public async Task AuthorizeArgumentsAsync_ArgumentRuleDenies_PolicyDenied()
    {
        var policy = new ArgumentPolicy { AllowExecute = false };
        var state = StageFixtures.State();

        await Assert.ThrowsAsync<PolicyDeniedException>(() => Stage(policy).AuthorizeArgumentsAsync(state, Ct).AsTask());

        Assert.Equal(AuditOutcomes.Denied, state.Outcome);
    }

    private sealed class ArgumentPolicy : IPolicyDecisionPoint
    {
        public List<PolicyRequest> Requests { get; } = [];

        public bool AllowExecute { get; init; } = true;

        public bool RequiresArguments => true;

        public ValueTask<PolicyDecision> EvaluateAsync(PolicyRequest request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return new(request.Action == PolicyAction.List || AllowExecute ? PolicyDecision.Allowed("ok", "args") : PolicyDecision.Denied("amount too high", "args"));
        }
    }
}
