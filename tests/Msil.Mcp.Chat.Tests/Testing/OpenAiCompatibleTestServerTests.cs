using System.ClientModel;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Msil.Mcp.Testing;
using OpenAI;

namespace Msil.Mcp.Chat.Tests.Testing;

/// <summary>The fake model driven by the real OpenAI .NET client through Microsoft.Extensions.AI.</summary>
public sealed class OpenAiCompatibleTestServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IChatClient Client(OpenAiCompatibleTestServer server, string key = "test-key") =>
        new OpenAIClient(new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = server.Endpoint })
            .GetChatClient(OpenAiCompatibleTestServer.DefaultModel)
            .AsIChatClient();

    [Fact]
    public async Task GetResponse_NonStreamingScriptedTool_ReturnsFunctionCallWithArguments()
    {
        await using var server = await OpenAiCompatibleTestServer.StartAsync(cancellationToken: Ct);
        server.WhenUserSays("inventory").CallsTool("get_vehicle_inventory", """{"model":"Swift","limit":3}""").ThenAnswers("done");
        using var client = Client(server);

        var response = await client.GetResponseAsync("Show me the inventory", new ChatOptions
        {
            Tools = [AIFunctionFactory.Create((string model, int limit) => "x", "get_vehicle_inventory")],
        }, Ct);

        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get_vehicle_inventory", call.Name);
        Assert.Equal("Swift", call.Arguments!["model"]?.ToString());
        Assert.Equal(3, ((JsonElement)call.Arguments["limit"]!).GetInt32());
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        var request = Assert.Single(server.Requests);
        Assert.False(request.Stream);
        Assert.Equal(["get_vehicle_inventory"], request.ToolNames);
        Assert.Equal("Bearer test-key", request.Authorization);
    }

    [Fact]
    public async Task GetStreamingResponse_WithFunctionInvocation_StreamsArgumentsReadsToolResultAndAnswers()
    {
        await using var server = await OpenAiCompatibleTestServer.StartAsync(cancellationToken: Ct);
        server.WhenUserSays("inventory").CallsTool("get_vehicle_inventory", """{"model":"Swift Dzire","limit":12}""").ThenAnswers("In stock: {tool_result}");
        var seen = new List<(string, int)>();
        using var client = new ChatClientBuilder(Client(server)).UseFunctionInvocation().Build();
        var options = new ChatOptions
        {
            Tools = [AIFunctionFactory.Create((string model, int limit) => { seen.Add((model, limit)); return "7 cars"; }, "get_vehicle_inventory")],
        };

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync("What is in the inventory?", options, Ct))
        {
            updates.Add(update);
        }

        Assert.Equal([("Swift Dzire", 12)], seen);
        // M.E.AI sends a function's result as JSON: a string result arrives quoted.
        Assert.Equal("In stock: \"7 cars\"", string.Concat(updates.Where(u => u.Role == ChatRole.Assistant).Select(u => u.Text)));
        Assert.True(updates.Count(u => !string.IsNullOrEmpty(u.Text)) > 1, "the answer arrives in several chunks");
        Assert.Equal(2, server.Requests.Count);
        Assert.All(server.Requests, r => Assert.True(r.Stream));
        var second = server.Requests[1];
        Assert.Equal(["user", "assistant", "tool"], second.Messages.Select(m => m.Role));
        Assert.Equal(["get_vehicle_inventory"], second.Messages[1].ToolCalls);
        Assert.Equal("\"7 cars\"", second.Messages[2].Content);
        Assert.NotNull(second.Messages[2].ToolCallId);
    }

    [Fact]
    public async Task GetResponse_NoScriptMatches_AnswersWithTheDefault()
    {
        await using var server = await OpenAiCompatibleTestServer.StartAsync(cancellationToken: Ct);
        server.DefaultAnswer = "no idea";
        using var client = Client(server);

        var response = await client.GetResponseAsync("hello", cancellationToken: Ct);

        Assert.Equal("no idea", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
    }

    [Fact]
    public async Task GetResponse_TwoScriptedCalls_CallsTheSecondAfterTheFirstResult()
    {
        await using var server = await OpenAiCompatibleTestServer.StartAsync(cancellationToken: Ct);
        server.WhenUserSays("both").CallsTool("a").CallsTool("b", """{"n":1}""").ThenAnswers("last was {tool_result}");
        var order = new List<string>();
        using var client = new ChatClientBuilder(Client(server)).UseFunctionInvocation().Build();
        var options = new ChatOptions
        {
            Tools = [AIFunctionFactory.Create(() => { order.Add("a"); return "A"; }, "a"), AIFunctionFactory.Create((int n) => { order.Add("b"); return "B"; }, "b")],
        };

        var response = await client.GetResponseAsync("do both", options, Ct);

        Assert.Equal(["a", "b"], order);
        Assert.Equal("last was \"B\"", response.Text);
        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public async Task Models_Get_ListsTheConfiguredModels()
    {
        await using var server = await OpenAiCompatibleTestServer.StartAsync(["m1", "m2"], Ct);
        using var http = new HttpClient();

        var body = await http.GetFromJsonAsync<JsonElement>(new Uri(server.Endpoint, "models"), Ct);

        Assert.Equal("list", body.GetProperty("object").GetString());
        Assert.Equal(["m1", "m2"], body.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Completions_BodyNotJson_Answers400WithAnOpenAiError()
    {
        await using var server = await OpenAiCompatibleTestServer.StartAsync(cancellationToken: Ct);
        using var http = new HttpClient();

        using var response = await http.PostAsync(new Uri(server.Endpoint, "chat/completions"), new StringContent("nope"), Ct);

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("invalid_request_error", body.GetProperty("error").GetProperty("type").GetString());
    }
}
