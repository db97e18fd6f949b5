using System.Text.Json;
using System.ClientModel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Msil.Mcp.Chat.Conversations;
using Msil.Mcp.Chat.Mcp;
using Msil.Mcp.Testing;
using OpenAI;

namespace Msil.Mcp.Chat.Tests.Integration;

/// <summary>
/// The chat host's agent against the real reference server and the fake model: the model decides the calls, the
/// server governs them with the signed-in user's token, and the cards show what happened.
/// </summary>
[Collection(ChatServerGroup.Name)]
[Trait("Category", "EndToEnd")]
public sealed class ChatAgentEndToEndTests(ChatServerFixture server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RunTurn_BobAsksForInventory_ToolCalledWithBobsTokenAndResultReachesTheModel()
    {
        server.Llm.WhenUserSays("vehicles are in the inventory").CallsTool("get_vehicle_inventory").ThenAnswers("Here is the stock: {tool_result}");
        var (agent, mcp, model) = await CreateAsync("bob");
        await using var _ = mcp;
        var conversation = new ChatConversation { ModelName = "test" };
        var ui = new ScriptedInteraction();

        await agent.RunTurnAsync(conversation, "Which vehicles are in the inventory?", model, mcp, ui, Ct);

        var card = Assert.Single(conversation.Entries, e => e.Card is not null).Card!;
        Assert.Equal("get_vehicle_inventory", card.ToolName);
        Assert.Equal(ToolCallStatus.Succeeded, card.Status);
        Assert.Contains("vehicles", card.Result, StringComparison.Ordinal);
        Assert.NotNull(card.CorrelationId);
        Assert.Equal("/admin/audit?correlation_id=" + Uri.EscapeDataString(card.CorrelationId), card.AuditLink);
        var answer = conversation.Entries[^1];
        Assert.Equal(ChatEntry.Assistant, answer.Role);
        Assert.StartsWith("Here is the stock: ", answer.Text, StringComparison.Ordinal);
        Assert.Contains("vehicles", answer.Text, StringComparison.Ordinal);
        var offered = server.Llm.Requests.First(r => r.Messages.Any(m => m.Content.Contains("vehicles are in the inventory", StringComparison.Ordinal)));
        Assert.Contains("get_vehicle_inventory", offered.ToolNames);
        Assert.DoesNotContain("delete_customer_data", offered.ToolNames); // bob may not list the privileged tool
        var record = await server.Audit.WaitForAsync(r => r.CorrelationId == card.CorrelationId, TimeSpan.FromSeconds(10), Ct);
        Assert.Equal("success", record.Outcome);
        Assert.Equal("user-bob", record.Subject);
    }

    [Fact]
    public async Task RunTurn_AliceAsksToCreateBooking_DeniedCardWithReasonAndAudited()
    {
        server.Llm.WhenUserSays("book a test drive").CallsTool("create_booking", """{"customer_id":"C001","vehicle_id":"V001","dealer_id":"DL001"}""").ThenAnswers("The server said: {tool_result}");
        var (agent, mcp, model) = await CreateAsync("alice");
        await using var _ = mcp;
        var conversation = new ChatConversation { ModelName = "test" };

        await agent.RunTurnAsync(conversation, "Please book a test drive for C001", model, mcp, new ScriptedInteraction(), Ct);

        var card = Assert.Single(conversation.Entries, e => e.Card is not null).Card!;
        Assert.Equal(ToolCallStatus.Denied, card.Status);
        Assert.False(string.IsNullOrWhiteSpace(card.Reason));
        Assert.Contains("create_booking", card.Reason, StringComparison.Ordinal);
        Assert.Contains("denied", conversation.Entries[^1].Text, StringComparison.Ordinal);
        var record = await server.Audit.WaitForAsync(r => r.CorrelationId == card.CorrelationId, TimeSpan.FromSeconds(10), Ct);
        Assert.Equal("denied", record.Outcome);
        Assert.Equal("user-alice", record.Subject);
        Assert.False(string.IsNullOrEmpty(record.PolicyReason));
    }

    [Fact]
    public async Task RunTurn_CarolDeletesCustomerData_ConfirmThenApprovalCardThenRetriedOnce()
    {
        server.Llm.WhenUserSays("erase customer C005").CallsTool("delete_customer_data", """{"id":"C005"}""").ThenAnswers("Result: {tool_result}");
        var (agent, mcp, model) = await CreateAsync("carol");
        await using var _ = mcp;
        var conversation = new ChatConversation { ModelName = "test" };
        var ui = new ScriptedInteraction
        {
            Approve = async card =>
            {
                Assert.Equal(ToolCallStatus.ApprovalRequired, card.Status);
                Assert.Contains("/dev/pim/approve", card.ApprovalUrl!.AbsolutePath, StringComparison.Ordinal);
                await server.ApproveOnDevelopmentPimPageAsync(card.ApprovalUrl);
                return true;
            },
        };

        await agent.RunTurnAsync(conversation, "Please erase customer C005 (GDPR request)", model, mcp, ui, Ct);

        var card = Assert.Single(conversation.Entries, e => e.Card is not null).Card!;
        Assert.True(card.Destructive);
        Assert.Equal([card], ui.Confirmed);
        Assert.Equal([card], ui.Approved);
        Assert.Equal(ToolCallStatus.Succeeded, card.Status);
        Assert.Equal(2, card.Attempts);
        Assert.Contains("erased", card.Result, StringComparison.Ordinal);
        var records = server.Audit.Records.Where(r => r.ToolName == "delete_customer_data" && r.Subject == "user-carol").ToList();
        Assert.Contains(records, r => r.CorrelationId == card.CorrelationId && r.Outcome == "success");
        Assert.Single(records, r => r.Outcome == "success");
    }

    [Fact]
    public async Task RunTurn_CarolDeclinesTheDestructiveCall_NothingSent()
    {
        server.Llm.WhenUserSays("wipe customer C008").CallsTool("delete_customer_data", """{"id":"C008"}""").ThenAnswers("Outcome: {tool_result}");
        var (agent, mcp, model) = await CreateAsync("carol");
        await using var _ = mcp;
        var conversation = new ChatConversation { ModelName = "test" };
        var before = server.Audit.Records.Count(r => r.ToolName == "delete_customer_data");

        await agent.RunTurnAsync(conversation, "wipe customer C008", model, mcp, new ScriptedInteraction { ConfirmAnswer = false }, Ct);

        var card = Assert.Single(conversation.Entries, e => e.Card is not null).Card!;
        Assert.Equal(ToolCallStatus.Declined, card.Status);
        Assert.Equal(0, card.Attempts);
        Assert.Equal(before, server.Audit.Records.Count(r => r.ToolName == "delete_customer_data"));
        Assert.Contains("declined", conversation.Entries[^1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunTurn_InvalidArguments_CardListsTheFields()
    {
        server.Llm.WhenUserSays("enquiries of dealer 42").CallsTool("get_dealer_enquiries", """{"id":42}""").ThenAnswers("{tool_result}");
        var (agent, mcp, model) = await CreateAsync("bob");
        await using var _ = mcp;
        var conversation = new ChatConversation { ModelName = "test" };

        await agent.RunTurnAsync(conversation, "Show the enquiries of dealer 42", model, mcp, new ScriptedInteraction(), Ct);

        var card = Assert.Single(conversation.Entries, e => e.Card is not null).Card!;
        Assert.Equal(ToolCallStatus.InvalidArguments, card.Status);
        Assert.Contains(card.InvalidFields, f => f.Contains("id", StringComparison.Ordinal) && f.Contains("string", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Audit_AllChatCalls_CarryOnlyTheSignedInUsersIdentity()
    {
        server.Llm.WhenUserSays("dealer DL001 enquiries").CallsTool("get_dealer_enquiries", """{"id":"DL001"}""").ThenAnswers("{tool_result}");
        foreach (var user in new[] { "bob", "alice" })
        {
            var (agent, mcp, model) = await CreateAsync(user);
            await using var _ = mcp;
            var conversation = new ChatConversation { ModelName = "test" };

            await agent.RunTurnAsync(conversation, "List dealer DL001 enquiries", model, mcp, new ScriptedInteraction(), Ct);

            var card = Assert.Single(conversation.Entries, e => e.Card is not null).Card!;
            var record = await server.Audit.WaitForAsync(r => r.CorrelationId == card.CorrelationId, TimeSpan.FromSeconds(10), Ct);
            Assert.Equal("user-" + user, record.Subject);
            Assert.Null(record.Actor); // no service identity acted for the user
        }

        // No request to the model carried a user's token: the model endpoint sees only its own key.
        Assert.All(server.Llm.Requests, r => Assert.Equal("Bearer no-key", r.Authorization));
    }

    private async Task<(ChatAgent Agent, McpToolConnection Mcp, IChatClient Model)> CreateAsync(string user)
    {
        var token = await server.GetTokenAsync(user);
        var options = new MsilMcpChatOptions();
        var agent = new ChatAgent(Microsoft.Extensions.Options.Options.Create(options), NullLogger<ChatAgent>.Instance);
        var mcp = new McpToolConnection(new Uri(server.BaseUrl + "/mcp"), new BearerHandler(token), NullLoggerFactory.Instance);
        var model = new OpenAIClient(new ApiKeyCredential("no-key"), new OpenAIClientOptions { Endpoint = server.Llm.Endpoint })
            .GetChatClient(OpenAiCompatibleTestServer.DefaultModel).AsIChatClient();
        return (agent, mcp, model);
    }
}

/// <summary>A page that answers confirmations and approvals as scripted and remembers what it was asked.</summary>
internal sealed class ScriptedInteraction : IChatInteraction
{
    public bool ConfirmAnswer { get; init; } = true;

    public Func<ToolCallCard, Task<bool>>? Approve { get; init; }

    public List<ToolCallCard> Confirmed { get; } = [];

    public List<ToolCallCard> Approved { get; } = [];

    public int Changes { get; private set; }

    public void Changed() => Changes++;

    public Task<bool> ConfirmAsync(ToolCallCard card, CancellationToken cancellationToken)
    {
        Assert.Equal(ToolCallStatus.AwaitingConfirmation, card.Status);
        Assert.Equal(0, card.Attempts);
        Confirmed.Add(card);
        return Task.FromResult(ConfirmAnswer);
    }

    public async Task<bool> WaitForApprovalAsync(ToolCallCard card, CancellationToken cancellationToken)
    {
        Approved.Add(card);
        return Approve is not null && await Approve(card);
    }

    public Func<ToolCallCard, IReadOnlyDictionary<string, JsonElement>?>? Input { get; init; }

    public List<(string? Message, JsonElement? Schema)> Asked { get; } = [];

    public Task<IReadOnlyDictionary<string, JsonElement>?> ProvideInputAsync(ToolCallCard card, CancellationToken cancellationToken)
    {
        Assert.Equal(ToolCallStatus.InputRequired, card.Status);
        Asked.Add((card.InputMessage, card.InputSchema));
        return Task.FromResult(Input?.Invoke(card));
    }
}

/// <summary>Sends every request with one user's token, as the shell's API client does for the signed-in user.</summary>
internal sealed class BearerHandler(string token) : DelegatingHandler(new SocketsHttpHandler())
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new("Bearer", token);
        return base.SendAsync(request, cancellationToken);
    }
}
