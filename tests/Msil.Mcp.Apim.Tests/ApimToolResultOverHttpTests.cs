using System.Text;
using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
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

    /// <summary>
    /// Backend answers by name: JSON bodies written from their bytes (objects, arrays, characters the writer escapes, surrogate
    /// pairs raw and escaped, no content type, a UTF-8 charset, a +json type) and bodies that are decoded and parsed as
    /// before (invalid UTF-8, another charset, a scalar, malformed JSON, a body cut at the limit with its notice).
    /// </summary>
    private static Reply Answer(string name) => name switch
    {
        "awkward" => Reply.Json(Body),
        "array" => Reply.Json("[{\"a\":\"<>&'\"},\"\u2028 \\u2028\",1E+2,[]]"),
        "empty" => Reply.Json("{}"),
        "pairs" => Reply.Json("{\"p\":\"😀 \\ud83d\\ude00 \\uD83D\\uDE00 日本\"}"),
        "no-content-type" => new Reply { Body = " {\"a\":[1,2]}", ContentType = null },
        "utf8-charset" => new Reply { Body = "{\"a\":\"é\"}", ContentType = "application/json; charset=\"UTF-8\"" },
        "vendor-json" => new Reply { Body = "{\"a\":\"é\"}", ContentType = "application/vnd.fleet+json" },
        "invalid-utf8" => new Reply { BodyBytes = [.. "{\"a\":\""u8, 0xC3, 0x28, .. "\",\"b\":1}"u8] },
        "latin1" => new Reply { BodyBytes = Encoding.Latin1.GetBytes("{\"a\":\"é ü\"}"), ContentType = "application/json; charset=iso-8859-1" },
        "scalar" => Reply.Json("\"just a string\""),
        "malformed" => Reply.Json("{\"a\":"),
        "cut" => Reply.Json("{\"long\":\"" + string.Concat(Enumerable.Repeat("é", 1500)) + "\"}"),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [InlineData("awkward")]
    [InlineData("array")]
    [InlineData("empty")]
    [InlineData("pairs")]
    [InlineData("no-content-type")]
    [InlineData("utf8-charset")]
    [InlineData("vendor-json")]
    [InlineData("invalid-utf8")]
    [InlineData("latin1")]
    [InlineData("scalar")]
    [InlineData("malformed")]
    [InlineData("cut")]
    public async Task ToolsCall_BackendBody_ByteForByteTheAnswerOfTheDecodedAndParsedBody(string name)
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = Answer(name);
        var tool = ApimHarness.Tool("get_vehicle", "GET", "/v1/vehicle");
        var audit = new InMemoryAuditSink();
        var sdkAudit = new InMemoryAuditSink();
        await using var written = await StartAsync(backend, audit, tool, o => o.MaxResponseBytes = 2048);
        await using var sdk = await StartAsync(backend, sdkAudit, tool, o => o.MaxResponseBytes = 2048, removeWriter: true);

        var bytesAnswer = await host(written);
        var sdkAnswer = await host(sdk);

        Assert.Equal(sdkAnswer, bytesAnswer);
        var record = await audit.WaitForAsync(r => r.ToolName == "get_vehicle", TimeSpan.FromSeconds(10), Ct);
        var sdkRecord = await sdkAudit.WaitForAsync(r => r.ToolName == "get_vehicle", TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(sdkRecord.ResultSize, record.ResultSize);
        Assert.Equal(sdkRecord.Outcome, record.Outcome);
        Assert.Equal(sdkRecord.BackendStatus, record.BackendStatus);
        if (name == "cut")
        {
            Assert.Contains("[Response cut at 2048 bytes", bytesAnswer, StringComparison.Ordinal);
        }

        static async Task<string> host(MsilMcpTestHost h)
        {
            var answer = await h.PostJsonRpcAsync(TestCaller.Create("bob", ["viewer"]), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"get_vehicle\",\"arguments\":{}}}", Ct);
            return answer.StatusCode + " " + answer.Body;
        }
    }

    [Fact]
    public async Task CallToolAsync_BodyMatchingTheOutputSchema_ByteForByteTheAnswerOfTheDecodedAndParsedBody()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = Reply.Json("""{"id":"V001","name":"é <b>"}""");
        var tool = ApimHarness.Tool("typed", "GET", "/v1/x", outputSchema: """{"type":"object","required":["id"],"properties":{"id":{"type":"string"}}}""");
        await using var written = await StartAsync(backend, new InMemoryAuditSink(), tool);
        await using var sdk = await StartAsync(backend, new InMemoryAuditSink(), tool, removeWriter: true);

        var answer = await PostCallAsync(written, "typed");

        Assert.Equal(await PostCallAsync(sdk, "typed"), answer);
        Assert.Contains("\"structuredContent\":{\"id\":\"V001\"", answer, StringComparison.Ordinal);
    }

    private static async Task<string> PostCallAsync(MsilMcpTestHost host, string tool)
    {
        var answer = await host.PostJsonRpcAsync(TestCaller.Create("bob", ["viewer"]), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool + "\",\"arguments\":{}}}", Ct);
        Assert.True(answer.IsSuccessStatusCode, answer.Body);
        return answer.Message;
    }

    private static Task<MsilMcpTestHost> StartAsync(ScriptedBackend backend, InMemoryAuditSink audit, ToolDefinition tool, Action<ApimGatewayOptions>? gateway = null, bool removeWriter = false)
        => MsilMcpTestHost.StartAsync(
            mcp =>
            {
                mcp.UseDownstreamTokenProvider<Tokens>()
                    .UseScriptedPolicy(ScriptedPolicyDecisionPoint.AllowAll())
                    .UseInMemoryAuditSink(audit)
                    .AddTools("apim", [tool])
                    .AddApim(o =>
                    {
                        ApimHarness.Fast(o, backend.Url);
                        gateway?.Invoke(o);
                    });
                if (removeWriter)
                {
                    // Without the core's result writer the SDK writes the answer itself, from the decoded and parsed result.
                    mcp.Services.PostConfigure<McpServerOptions>(o =>
                    {
                        var calls = o.Filters.Request.CallToolFilters;
                        Assert.Equal(2, calls.Count); // the result writer's filter, then the pipeline's
                        calls.RemoveAt(0);
                    });
                }
            },
            cancellationToken: Ct);

    private sealed class Tokens : IDownstreamTokenProvider
    {
        public ValueTask<SensitiveString?> GetTokenAsync(CallerIdentity caller, SensitiveString? subjectToken, string audience, CancellationToken cancellationToken)
            => new(new SensitiveString("token-for:" + audience));
    }
}
