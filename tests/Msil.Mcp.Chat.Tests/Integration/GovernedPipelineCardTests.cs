using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Chat.Mcp;
using Msil.Mcp.Testing;

namespace Msil.Mcp.Chat.Tests.Integration;

/// <summary>
/// What the reference server's configuration never produces, against the same governed pipeline (Msil.Mcp in a
/// <see cref="MsilMcpTestHost"/>): an <c>input_required</c> answer on protocol revision 2026-07-28 (MRTR; no tool of the
/// reference server asks for input), and a tool the user may list but policy denies on the call (reason and decision id).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class GovernedPipelineCardTests
{
    private static readonly JsonElement ReasonSchema = JsonDocument.Parse(
        """{"type":"object","properties":{"reason":{"type":"string","description":"Why the report is needed."}},"required":["reason"]}""").RootElement.Clone();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CallTool_ServerAnswersInputRequired_CardShowsTheRequestAndTheHostResendsWithTheUsersAnswer()
    {
        var executor = new ScriptedToolExecutor().On("export_report", (invocation, _) =>
        {
            var context = invocation.Context!;
            if (context.RequestState == "asked-once" && context.TryGetElicitationResponse("why", out var answer)
                && answer.Content?.GetProperty("reason").GetString() is { } reason)
            {
                return ValueTask.FromResult(new ToolResult { Text = "Exported, because: " + reason });
            }

            throw new ToolInputRequiredException(
                new Dictionary<string, ToolInputRequest> { ["why"] = ToolInputRequest.Elicitation("Why do you need the report?", ReasonSchema) },
                "asked-once");
        });
        await using var host = await StartAsync(ScriptedPolicyDecisionPoint.AllowAll(), executor);
        await using var mcp = Connect(host, TestCaller.Create("bob", "operator"));
        var ui = new ScriptedInteraction { Input = _ => new Dictionary<string, JsonElement> { ["reason"] = JsonSerializer.SerializeToElement("quarterly audit") } };
        var card = new ToolCallCard { Id = "c1", ToolName = "export_report" };

        await Agent().CallToolAsync(card, new Dictionary<string, JsonElement>(), mcp, ui, Ct);

        Assert.Equal("2026-07-28", mcp.ProtocolVersion);
        var (message, schema) = Assert.Single(ui.Asked);
        Assert.Equal("Why do you need the report?", message);
        Assert.Equal("string", schema!.Value.GetProperty("properties").GetProperty("reason").GetProperty("type").GetString());
        Assert.Equal(ToolCallStatus.Succeeded, card.Status);
        Assert.Equal("Exported, because: quarterly audit", card.Result);
        Assert.Equal("Why do you need the report?", card.InputMessage); // the card keeps what the server asked
        Assert.Equal(2, executor.Runs("export_report")); // asked once, resent once with the answer
        await host.Audit.WaitForAsync(r => r.ToolName == "export_report" && r.Outcome == AuditOutcomes.Success, TimeSpan.FromSeconds(10), Ct);
        Assert.Equal([AuditOutcomes.InputRequired, AuditOutcomes.Success], host.Audit.Records.Where(r => r.ToolName == "export_report").Select(r => r.Outcome));
    }

    [Fact]
    public async Task CallTool_UserDeclinesTheInputRequest_NotResentWithAnswersAndCardSaysSo()
    {
        var executor = new ScriptedToolExecutor().On("export_report", (invocation, _) =>
        {
            if (invocation.Context!.TryGetElicitationResponse("why", out var answer) && answer.Action != "accept")
            {
                return ValueTask.FromResult(new ToolResult { Text = "Not exported: no reason given.", IsError = true });
            }

            throw new ToolInputRequiredException(
                new Dictionary<string, ToolInputRequest> { ["why"] = ToolInputRequest.Elicitation("Why do you need the report?", ReasonSchema) }, "asked-once");
        });
        await using var host = await StartAsync(ScriptedPolicyDecisionPoint.AllowAll(), executor);
        await using var mcp = Connect(host, TestCaller.Create("bob", "operator"));
        var ui = new ScriptedInteraction { Input = _ => null };
        var card = new ToolCallCard { Id = "c2", ToolName = "export_report" };

        await Agent().CallToolAsync(card, new Dictionary<string, JsonElement>(), mcp, ui, Ct);

        Assert.Single(ui.Asked);
        Assert.Equal(ToolCallStatus.ToolError, card.Status);
        Assert.Contains("no reason given", card.Result, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallTool_ListedToolDeniedByPolicy_CardShowsTheReasonAndTheDecisionId()
    {
        var policy = ScriptedPolicyDecisionPoint.AllowAll().Deny("export_report", "reports may only be exported by the dealer's own staff", PolicyAction.Execute);
        await using var host = await StartAsync(policy, new ScriptedToolExecutor().Returns("export_report", "never"));
        await using var mcp = Connect(host, TestCaller.Create("bob", "operator"));
        var tools = await mcp.ListToolsAsync(Ct);
        Assert.Contains(tools, t => t.Name == "export_report"); // listed: the user may know the tool exists
        var card = new ToolCallCard { Id = "c3", ToolName = "export_report" };

        await Agent().CallToolAsync(card, new Dictionary<string, JsonElement>(), mcp, new ScriptedInteraction(), Ct);

        Assert.Equal(ToolCallStatus.Denied, card.Status);
        Assert.Equal("reports may only be exported by the dealer's own staff", card.Reason);
        Assert.False(string.IsNullOrEmpty(card.DecisionId));
        var record = await host.Audit.WaitForAsync(r => r.ToolName == "export_report", TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(AuditOutcomes.Denied, record.Outcome);
        Assert.Equal(card.DecisionId, record.DecisionId);
        Assert.Equal(card.CorrelationId, record.CorrelationId);
    }

    [Fact]
    public async Task CallTool_ToolTheUserMayNotList_CardQuotesTheServerWithoutTheClientPrefix()
    {
        var policy = ScriptedPolicyDecisionPoint.AllowAll().Deny("export_report", "not for this user");
        await using var host = await StartAsync(policy, new ScriptedToolExecutor().Returns("export_report", "never"));
        await using var mcp = Connect(host, TestCaller.Create("alice", "viewer"));
        var card = new ToolCallCard { Id = "c4", ToolName = "export_report", NotListed = true };

        await Agent().CallToolAsync(card, new Dictionary<string, JsonElement>(), mcp, new ScriptedInteraction(), Ct);

        Assert.Equal(ToolCallStatus.Denied, card.Status);
        Assert.Contains("The server answered: Unknown tool: 'export_report'", card.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("Request failed", card.Reason, StringComparison.Ordinal);
    }

    private static ChatAgent Agent() => new(Microsoft.Extensions.Options.Options.Create(new MsilMcpChatOptions()), NullLogger<ChatAgent>.Instance);

    private static Task<MsilMcpTestHost> StartAsync(ScriptedPolicyDecisionPoint policy, ScriptedToolExecutor executor) =>
        MsilMcpTestHost.StartAsync(mcp => mcp
            .UseScriptedPolicy(policy)
            .UseInMemoryAuditSink()
            .AddScriptedExecutor(executor)
            .AddTools("test",
            [
                new ToolDefinition
                {
                    Name = "export_report",
                    Description = "Exports the dealer report.",
                    RiskLevel = RiskLevel.Read,
                    InputSchema = JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement.Clone(),
                    Executor = ScriptedToolExecutor.DefaultKind,
                    Source = "test",
                    ContentHash = "export-report-1",
                },
            ]), cancellationToken: Ct);

    private static McpToolConnection Connect(MsilMcpTestHost host, TestCaller caller) =>
        new(host.McpEndpoint, new HeaderHandler(TestAuthenticationDefaults.HeaderName, caller.ToHeaderValue()), NullLoggerFactory.Instance);

    /// <summary>Sends the test identity header on every request (the test host's stand-in for the user's token).</summary>
    private sealed class HeaderHandler(string name, string value) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.TryAddWithoutValidation(name, value);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
