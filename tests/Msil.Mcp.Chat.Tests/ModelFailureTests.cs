using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Msil.Mcp.Chat.Conversations;
using Msil.Mcp.Chat.Mcp;
using Msil.Mcp.Chat.Tests.Integration;
using Msil.Mcp.Testing;
using OpenAI;

namespace Msil.Mcp.Chat.Tests;

/// <summary>A model endpoint that is down, refuses the key or lacks the model: a message in the chat naming the setting, not a stack trace.</summary>
public sealed class ModelFailureTests
{
    [Theory]
    [InlineData(401, "refused the API key", "ApiKeyFile")]
    [InlineData(404, "does not know the model 'gpt'", "deployment name")]
    [InlineData(429, "rate limiting", "send the message again")]
    [InlineData(503, "failed (503)", "try again later")]
    public void Describe_EndpointAnswersAnError_SaysWhatToFix(int status, string says, string fix)
    {
        var text = ModelFailure.Describe("gpt", new ClientResultException("boom", new StatusResponse(status)));

        Assert.Contains(says, text, StringComparison.Ordinal);
        Assert.Contains(fix, text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
    }

    /// <summary>The chat turn itself, the MCP server up and the model's endpoint down.</summary>
    [Collection(Integration.ChatServerGroup.Name)]
    public sealed class EndpointDown(Integration.ChatServerFixture server)
    {
        [Fact]
        public async Task RunTurn_ModelEndpointDown_NoticeInTheChatSaysItCouldNotBeReachedAndWhichSettingToCheck()
        {
            var port = LoopbackPorts.Free(); // nothing listens there
            var options = new OpenAIClientOptions { Endpoint = new Uri($"http://127.0.0.1:{port}/v1/"), RetryPolicy = new ClientRetryPolicy(maxRetries: 0) };
            IChatClient model = new OpenAIClient(new ApiKeyCredential("no-key"), options).GetChatClient("m").AsIChatClient();
            var agent = new ChatAgent(Microsoft.Extensions.Options.Options.Create(new MsilMcpChatOptions()), NullLogger<ChatAgent>.Instance);
            await using var mcp = new McpToolConnection(new Uri(server.BaseUrl + "/mcp"), new Integration.BearerHandler(await server.GetTokenAsync("bob")), NullLoggerFactory.Instance);
            var conversation = new ChatConversation { ModelName = "local" };

            await agent.RunTurnAsync(conversation, "hello", model, mcp, new ScriptedInteraction(), TestContext.Current.CancellationToken);

            var notice = conversation.Entries[^1];
            Assert.Equal(ChatEntry.Notice, notice.Role);
            Assert.Contains("The language model endpoint of the model 'local' could not be reached", notice.Text, StringComparison.Ordinal);
            Assert.Contains("Msil:Mcp:Chat:Models", notice.Text, StringComparison.Ordinal);
            Assert.Contains("Manual mode still works", notice.Text, StringComparison.Ordinal);
        }
    }

    private sealed class StatusResponse(int status) : PipelineResponse
    {
        public override int Status => status;

        public override string ReasonPhrase => string.Empty;

        public override Stream? ContentStream { get; set; }

        public override BinaryData Content => BinaryData.Empty;

        protected override PipelineResponseHeaders HeadersCore => throw new NotSupportedException();

        public override BinaryData BufferContent(CancellationToken cancellationToken = default) => BinaryData.Empty;

        public override ValueTask<BinaryData> BufferContentAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(BinaryData.Empty);

        public override void Dispose()
        {
        }
    }
}
