using System.Text;
using System.Text.Json;
using ModelContextProtocol.Protocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Apim.Tests.Infrastructure;
using Msil.Mcp.Testing;

namespace Msil.Mcp.Apim.Tests;

/// <summary>
/// An API tool's answer end to end (the governed host, the APIM executor, a loopback backend, the SDK's client over
/// HTTP): the text is the backend's body exactly, the structured content its JSON, the output schema still enforced,
/// and the audit record's size the body's, whichever way the core writes the result into the response.
/// </summary>
public sealed class ApimToolResultOverHttpTests
{
    /// <summary>Non-ASCII, escapes the backend chose, a raw line separator, big and odd numbers, and nesting.</summary>
    private const string Body = """
        {"id":"V001","name":"Crée « é » \"q\" \\ <b>&</b> 😀 日本語","escaped":"\u00e9\u2028\/\ud83d\ude00\n","raw":" ","numbers":[0,-0,1.0,1E+2,-12.50,123456789012345678901234567890],"deep":{"a":[{"b":[{"c":[null,true,false]}]}]}}
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CallToolAsync_JsonBody_TextIsTheBodyAndStructuredContentItsJson()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = Reply.Json(Body);
        var audit = new InMemoryAuditSink();
        await using var host = await StartAsync(backend, audit, ApimHarness.Tool("get_vehicle", "GET", "/v1/vehicle"));
        await using var client = await host.ConnectAsync(TestCaller.Create("bob", ["viewer"]), cancellationToken: Ct);

        var result = await client.CallToolAsync("get_vehicle", new Dictionary<string, object?>(), cancellationToken: Ct);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal(Body, Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.True(JsonElement.DeepEquals(JsonElement.Parse(Body), result.StructuredContent!.Value));
        var record = await audit.WaitForAsync(r => r.ToolName == "get_vehicle", TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(Encoding.UTF8.GetByteCount(Body), record.ResultSize);
        Assert.Equal(AuditOutcomes.Success, record.Outcome);
    }

    [Fact]
    public async Task ToolsCall_RawHttpPost_ResultIsTheSdksSerializationOfTheSameResult()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = Reply.Json(Body);
        await using var host = await StartAsync(backend, new InMemoryAuditSink(), ApimHarness.Tool("get_vehicle", "GET", "/v1/vehicle"));

        var answer = await PostCallAsync(host, "get_vehicle");

        using var document = JsonDocument.Parse(answer);
        var expected = JsonSerializer.SerializeToElement(
            new CallToolResult { Content = [new TextContentBlock { Text = Body }], StructuredContent = JsonElement.Parse(Body) },
            ModelContextProtocol.McpJsonUtilities.DefaultOptions);
        Assert.True(JsonElement.DeepEquals(expected, document.RootElement.GetProperty("result")), answer);
        Assert.Equal(["content", "structuredContent"], document.RootElement.GetProperty("result").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task CallToolAsync_BodyNotMatchingTheOutputSchema_TextWithNoticeAndNoStructuredContent()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = Reply.Json("""{"status":"open","count":"three"}""");
        var tool = ApimHarness.Tool("typed", "GET", "/v1/x", outputSchema: """{"type":"object","required":["id"],"properties":{"id":{"type":"string"}}}""");
        await using var host = await StartAsync(backend, new InMemoryAuditSink(), tool);
        await using var client = await host.ConnectAsync(TestCaller.Create("bob", ["viewer"]), cancellationToken: Ct);

        var result = await client.CallToolAsync("typed", new Dictionary<string, object?>(), cancellationToken: Ct);
        var answer = await PostCallAsync(host, "typed");

        Assert.NotEqual(true, result.IsError);
        Assert.Null(result.StructuredContent);
        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.StartsWith("""{"status":"open","count":"three"}""", text, StringComparison.Ordinal);
        Assert.Contains("does not match the tool's output schema", text, StringComparison.Ordinal);
        Assert.DoesNotContain("structuredContent", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallToolAsync_BackendError_ToolErrorWithTheSameText()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = Reply.Json("""{"title":"Not Found","detail":"no vehicle « V9 »"}""", 404);
        await using var host = await StartAsync(backend, new InMemoryAuditSink(), ApimHarness.Tool("get_vehicle", "GET", "/v1/vehicle"));
        await using var client = await host.ConnectAsync(TestCaller.Create("bob", ["viewer"]), cancellationToken: Ct);

        var result = await client.CallToolAsync("get_vehicle", new Dictionary<string, object?>(), cancellationToken: Ct);

        Assert.True(result.IsError);
        Assert.Null(result.StructuredContent);
        Assert.StartsWith("The backend answered HTTP 404 Not Found: Not Found: no vehicle « V9 ».", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text, StringComparison.Ordinal);
    }

    private static async Task<string> PostCallAsync(MsilMcpTestHost host, string tool)
    {
        var answer = await host.PostJsonRpcAsync(TestCaller.Create("bob", ["viewer"]), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool + "\",\"arguments\":{}}}", Ct);
        Assert.True(answer.IsSuccessStatusCode, answer.Body);
        return answer.Message;
    }

    private static Task<MsilMcpTestHost> StartAsync(ScriptedBackend backend, InMemoryAuditSink audit, ToolDefinition tool)
        => MsilMcpTestHost.StartAsync(
            mcp =>
            {
                mcp.UseDownstreamTokenProvider<Tokens>()
                    .UseScriptedPolicy(ScriptedPolicyDecisionPoint.AllowAll())
                    .UseInMemoryAuditSink(audit)
                    .AddTools("apim", [tool])
                    .AddApim(o => ApimHarness.Fast(o, backend.Url));
            },
            cancellationToken: Ct);

    private sealed class Tokens : IDownstreamTokenProvider
    {
        public ValueTask<SensitiveString?> GetTokenAsync(CallerIdentity caller, SensitiveString? subjectToken, string audience, CancellationToken cancellationToken)
            => new(new SensitiveString("token-for:" + audience));
    }
}
