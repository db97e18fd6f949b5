using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Pipeline;
using Msil.Mcp.Tests.Hosting;

namespace Msil.Mcp.Tests.Pipeline;

/// <summary>
/// A governed <c>tools/call</c> answer's text and structured content written past the SDK's result DOM
/// (<see cref="CallResultWriter"/>): byte for byte the answer the SDK writes itself, over HTTP and through the SDK
/// client, and left to the SDK when the result is not the governed call's own plain text result.
/// </summary>
public sealed class CallResultWriterTests
{
    /// <summary>Non-ASCII, quotes, a backslash, HTML-sensitive characters, a line separator, control characters and an astral character.</summary>
    private const string Awkward = "l'entrée Crée « é » \"q\" \\ <b>&amp;</b> \u2028 \t \u0001 😀 日本語 \u00e9";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Tool results as an API tool shapes them: the text is the body, the structured content its parse.</summary>
    public static TheoryData<string> Bodies() => [.. BodyTexts];

    private static readonly string[] BodyTexts =
    [
        """{"ok":true}""",
        "{\"name\":\"" + Awkward.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal).Replace("\u0001", "\\u0001", StringComparison.Ordinal) + "\",\"escaped\":\"\\u00e9\\u2028\\/\\ud83d\\ude00\\n\"}",
        """{"numbers":[0,-0,1.0,1E+2,1e-7,-12.50,123456789012345678901234567890,1.7976931348623157E+308],"flags":[true,false,null]}""",
        """  { "spaced" : [ 1 , { "a" : "b" } ] ,  "empty" : { } , "list" : [ ] }  """,
        Deep(25),
    ];

    private static string Deep(int depth) => string.Concat(Enumerable.Repeat("{\"d\":[", depth)) + "\"bottom\"" + string.Concat(Enumerable.Repeat("]}", depth));

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task ToolsCall_RawHttpPost_ByteForByteTheSdksOwnAnswer(string body)
    {
        var result = new ToolResult { Text = body, StructuredContent = JsonElement.Parse(body), Size = body.Length };

        var (written, sdk) = await BothAnswersAsync(result, "shaped_tool");

        Assert.Equal(sdk, written);
        using var document = JsonDocument.Parse(Json(written));
        var answer = document.RootElement.GetProperty("result");
        Assert.Equal(body, answer.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.True(JsonElement.DeepEquals(JsonElement.Parse(body), answer.GetProperty("structuredContent")));
    }

    [Fact]
    public async Task ToolsCall_TextOnlyErrorAndOutputSchema_ByteForByteTheSdksOwnAnswer()
    {
        // Long enough to be deferred (CallResultWriter.MinDeferredTextChars), and a short one the SDK writes itself.
        var error = new ToolResult { Text = "The backend answered HTTP 404 Not Found: " + Awkward + string.Concat(Enumerable.Repeat(" " + Awkward, 12)) + ".", IsError = true, BackendStatus = 404 };
        var textOnly = new ToolResult { Text = string.Concat(Enumerable.Repeat(Awkward + "\nsecond line ", 12)), Size = 10 };
        var shortText = new ToolResult { Text = Awkward, Size = 10 };
        var typed = new ToolResult { Text = """{"id":"é"}""", StructuredContent = JsonElement.Parse("""{"id":"é"}"""), Size = 12 };

        Assert.Equal(await BothAnswersAsync(error, "shaped_tool") is var (e1, e2) ? e2 : null, e1);
        Assert.Equal(await BothAnswersAsync(textOnly, "shaped_tool") is var (t1, t2) ? t2 : null, t1);
        Assert.Equal(await BothAnswersAsync(typed, "typed_tool") is var (s1, s2) ? s2 : null, s1);
        Assert.Equal(await BothAnswersAsync(shortText, "shaped_tool") is var (h1, h2) ? h2 : null, h1);
        Assert.Contains("\"isError\":true", e1, StringComparison.Ordinal);
        Assert.DoesNotContain("structuredContent", t1, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToolsCall_CutResult_ByteForByteTheSdksOwnAnswerWithoutStructuredContent()
    {
        var body = "{\"long\":\"" + new string('x', 2000) + "\"}";
        var result = new ToolResult { Text = body, StructuredContent = JsonElement.Parse(body), Size = body.Length };

        var (written, sdk) = await BothAnswersAsync(result, "shaped_tool", o => o.MaxResultChars = 1024);

        Assert.Equal(sdk, written);
        Assert.Contains("[Result cut at 1024 of", written, StringComparison.Ordinal);
        Assert.DoesNotContain("structuredContent", written, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallToolAsync_SdkClient_SameTextStructuredContentAndAuditSize()
    {
        var body = BodyTexts[1];
        var result = new ToolResult { Text = body, StructuredContent = JsonElement.Parse(body), Size = 4321 };
        var audit = new Msil.Mcp.Testing.InMemoryAuditSink();
        await using var host = await StartAsync(result, configure: mcp => Msil.Mcp.Testing.MsilMcpTestingBuilderExtensions.UseInMemoryAuditSink(mcp, audit));
        await using var client = await host.ConnectAsync("bob", "viewer");

        var answer = await client.CallToolAsync("shaped_tool", new Dictionary<string, object?>(), cancellationToken: Ct);

        Assert.Equal(body, Assert.IsType<TextContentBlock>(Assert.Single(answer.Content)).Text);
        Assert.True(JsonElement.DeepEquals(JsonElement.Parse(body), answer.StructuredContent!.Value));
        Assert.NotEqual(true, answer.IsError);
        var record = await audit.WaitForAsync(r => r.ToolName == "shaped_tool", TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(4321, record.ResultSize);
        Assert.Equal(AuditOutcomes.Success, record.Outcome);
    }

    [Fact]
    public async Task ToolsCall_HostFilterReturnsItsOwnResult_SdkWritesItUnchanged()
    {
        var own = new CallToolResult { Content = [new TextContentBlock { Text = "from the host filter" }], StructuredContent = JsonElement.Parse("""{"host":1}""") };
        var result = new ToolResult { Text = """{"ok":true}""", StructuredContent = JsonElement.Parse("""{"ok":true}"""), Size = 11 };
        await using var host = await StartAsync(result, configure: mcp => mcp.Mcp.WithRequestFilters(f => f.AddCallToolFilter(next => async (context, ct) =>
        {
            _ = await next(context, ct);
            return own;
        })));

        var written = await PostCallAsync(host, "shaped_tool");

        Assert.True(written.Contains("from the host filter", StringComparison.Ordinal), written);
        Assert.Contains("\"structuredContent\":{\"host\":1}", written, StringComparison.Ordinal);
        Assert.Single(own.Content);
        Assert.NotNull(own.StructuredContent);
    }

    [Fact]
    public async Task ToolsCall_StreamTransport_SameLineAsTheSdksOwn()
    {
        var body = BodyTexts[1];
        var result = new ToolResult { Text = body, StructuredContent = JsonElement.Parse(body), Size = body.Length };
        await using var host = await StartAsync(result);

        var written = await CallOverStreamAsync(host, removeWriter: false);
        var sdk = await CallOverStreamAsync(host, removeWriter: true);

        Assert.Equal(sdk, written);
        using var document = JsonDocument.Parse(written);
        Assert.Equal(body, document.RootElement.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
    }

    /// <summary>
    /// JSON bodies as an API tool receives them, made into results from their bytes: escapes the backend chose,
    /// characters the writer escapes (<c>&lt;&gt;&amp;'</c>, a line separator, control characters), a surrogate pair raw and
    /// escaped, numbers as written, whitespace, empty containers, nesting, and arrays (wrapped as <c>{"items": …}</c>).
    /// </summary>
    public static TheoryData<string> JsonBodies() =>
    [
        .. BodyTexts,
        "{\"html\":\"<b>&amp;</b> 'single' \\u003c\\u0026\\u0027\",\"ls\":\"\\u2028\\u2029 raw: \u2028\u2029\",\"ctl\":\"\\u0000\\u001f\\b\\f\",\"pair\":\"😀 \\ud83d\\ude00 \\uD83D\\uDE00\"}",
        "{}",
        "[]",
        """[1,"two",{"three":[3.0e0]},null]""",
        " \r\n\t[ {\"a\" : \"\\u00e9\"} ]\n",
        """{"dup":1,"dup":2,"\u0041":"escaped name","é":"raw name"}""",
        Deep(29),
        DeepArray(40),
    ];

    private static string DeepArray(int depth) => new string('[', depth) + "1" + new string(']', depth);

    [Theory]
    [MemberData(nameof(JsonBodies))]
    public async Task ToolsCall_ResultFromJsonBytes_ByteForByteTheSdksAnswerForTheDecodedAndParsedResult(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var fromBytes = new ToolResult(bytes) { Size = bytes.Length };
        var decoded = new ToolResult { Text = body, StructuredContent = Parsed(body), Size = bytes.Length };

        await using var written = await StartAsync(fromBytes);
        await using var sdk = await StartAsync(decoded, configure: RemoveWriter);
        var (bytesAnswer, sdkAnswer) = (await PostCallAsync(written, "shaped_tool"), await PostCallAsync(sdk, "shaped_tool"));

        Assert.Equal(sdkAnswer, bytesAnswer);
        using var document = JsonDocument.Parse(Json(bytesAnswer));
        var answer = document.RootElement.GetProperty("result");
        Assert.Equal(body, answer.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.True(JsonElement.DeepEquals(Parsed(body), answer.GetProperty("structuredContent")));
    }

    [Fact]
    public async Task ToolsCall_ResultFromJsonBytes_SameAsTheSdkWritesTheSameResult()
    {
        // The same ToolResult object: the host without the writer shapes it by decoding and parsing (lazily, in the result).
        var body = BodyTexts[1];
        var (written, sdk) = await BothAnswersAsync(new ToolResult(Encoding.UTF8.GetBytes(body)) { Size = 3 }, "shaped_tool");

        Assert.Equal(sdk, written);
        Assert.Contains("structuredContent", written, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToolsCall_ResultFromJsonBytesOverTheCharacterLimit_CutAsTheSdksAnswer()
    {
        var body = "{\"long\":\"" + new string('é', 2000) + "\"}";
        var bytes = Encoding.UTF8.GetBytes(body);
        var (written, sdk) = await BothAnswersAsync(new ToolResult(bytes) { Size = bytes.Length }, "shaped_tool", o => o.MaxResultChars = 1024);

        Assert.Equal(sdk, written);
        Assert.Contains("[Result cut at 1024 of", written, StringComparison.Ordinal);
        Assert.DoesNotContain("structuredContent", written, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToolsCall_ToolErrorFromJsonBytes_ByteForByteTheSdksAnswer()
    {
        var body = """{"error":"« no »","code":7}""";
        var (written, sdk) = await BothAnswersAsync(new ToolResult(Encoding.UTF8.GetBytes(body)) { IsError = true, BackendStatus = 409 }, "shaped_tool");

        Assert.Equal(sdk, written);
        Assert.Contains("\"isError\":true", written, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToolsCall_ResultFromJsonBytesWithAHostFilter_DecodedAndParsedForItAndTheSameAnswer()
    {
        var body = """{"ok":"é"}""";
        var seen = new List<int>();
        void HostFilter(IMsilMcpBuilder mcp) => mcp.Mcp.WithRequestFilters(f => f.AddCallToolFilter(next => async (context, ct) =>
        {
            var result = await next(context, ct);
            seen.Add(result.Content.Count);
            return result;
        }));

        await using var written = await StartAsync(new ToolResult(Encoding.UTF8.GetBytes(body)) { Size = 3 }, configure: HostFilter);
        await using var sdk = await StartAsync(new ToolResult { Text = body, StructuredContent = JsonElement.Parse(body), Size = 3 }, configure: mcp =>
        {
            HostFilter(mcp);
            RemoveWriter(mcp);
        });

        Assert.Equal(await PostCallAsync(sdk, "shaped_tool"), await PostCallAsync(written, "shaped_tool"));
        Assert.Equal(2, seen.Count);
    }

    [Fact]
    public async Task ToolsCall_ResultFromJsonBytesOverTheStreamTransport_SameLineAsTheSdksOwn()
    {
        var body = BodyTexts[1];
        await using var host = await StartAsync(new ToolResult(Encoding.UTF8.GetBytes(body)) { Size = 3 });

        var written = await CallOverStreamAsync(host, removeWriter: false);
        var sdk = await CallOverStreamAsync(host, removeWriter: true);

        Assert.Equal(sdk, written);
        using var document = JsonDocument.Parse(written);
        Assert.Equal(body, document.RootElement.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task WritesJson_ServerAsShippedAndWithAHostFilter_OnlyWithTheServersOwnFilters()
    {
        await using var host = await StartAsync(new ToolResult { Text = "t" });
        var options = host.Services.GetRequiredService<IOptionsFactory<McpServerOptions>>().Create(Options.DefaultName);

        Assert.True(CallResultWriter.JsonBytesWritable);
        Assert.True(Msil.Mcp.Pipeline.Stages.ExecuteStage.WritesJson(options));
        options.Filters.Request.CallToolFilters.Add(next => next);
        Assert.False(Msil.Mcp.Pipeline.Stages.ExecuteStage.WritesJson(options));
        options.Filters.Request.CallToolFilters.RemoveAt(2);
        options.Filters.Message.OutgoingFilters.Add(next => next);
        Assert.False(Msil.Mcp.Pipeline.Stages.ExecuteStage.WritesJson(options));

        // The SDK's authorization filters (AddMsilAuth adds them) decide before the tool runs: still written from bytes.
        await using var authorized = await StartAsync(new ToolResult { Text = "t" }, configure: mcp => mcp.Mcp.AddAuthorizationFilters());
        var authorizedOptions = authorized.Services.GetRequiredService<IOptionsFactory<McpServerOptions>>().Create(Options.DefaultName);
        Assert.True(authorizedOptions.Filters.Request.CallToolFilters.Count > 2);
        Assert.True(Msil.Mcp.Pipeline.Stages.ExecuteStage.WritesJson(authorizedOptions));
    }

    [Fact]
    public void Defer_ShapedJsonResult_LeavesTheBytesForTheOutgoingFilter()
    {
        var result = new ToolResult("""[{"a":"\u00e9"}]"""u8.ToArray());
        var shaped = Msil.Mcp.Pipeline.Stages.ShapeStage.ShapeJson(result, 1000)!;
        var items = Items(shaped);
        ((CallState)items[CallState.ItemKey]!).ShapedJson = result;

        Assert.True(CallResultWriter.Defer(items, shaped));

        Assert.Empty(shaped.Content);
        Assert.Empty(shaped.StructuredContent!.Value.EnumerateObject());
        var parts = Assert.IsType<CallResultWriter.JsonParts>(items[CallResultWriter.ItemKey]);
        var response = new JsonObject { ["content"] = new JsonArray(), ["structuredContent"] = new JsonObject() };
        parts.WriteInto(response);
        var expected = new JsonObject { ["content"] = new JsonArray(), ["structuredContent"] = new JsonObject() };
        new CallResultWriter.Parts([new TextContentBlock { Text = """[{"a":"\u00e9"}]""" }], JsonElement.Parse("""{"items":[{"a":"\u00e9"}]}""")).WriteInto(expected);
        Assert.Equal(expected.ToJsonString(), response.ToJsonString());
        Assert.Contains("items", response.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ShapeJson_ErrorContentOrOverTheLimit_LeftToTheOrdinaryShape()
    {
        var bytes = """{"a":"ééé"}"""u8.ToArray();

        Assert.NotNull(Msil.Mcp.Pipeline.Stages.ShapeStage.ShapeJson(new ToolResult(bytes), 11));
        Assert.Null(Msil.Mcp.Pipeline.Stages.ShapeStage.ShapeJson(new ToolResult(bytes), 10)); // 11 characters, 14 bytes
        Assert.Null(Msil.Mcp.Pipeline.Stages.ShapeStage.ShapeJson(new ToolResult(bytes) { IsError = true }, 100));
        Assert.Null(Msil.Mcp.Pipeline.Stages.ShapeStage.ShapeJson(new ToolResult { Text = "{}", StructuredContent = JsonElement.Parse("{}") }, 100));
    }

    /// <summary>What the API executor made of a body before results carried bytes: the object, or an array wrapped.</summary>
    private static JsonElement Parsed(string body)
        => body.TrimStart()[0] == '[' ? JsonElement.Parse("{\"items\":" + body + "}") : JsonElement.Parse(body);

    private static void RemoveWriter(IMsilMcpBuilder mcp) => mcp.Services.PostConfigure<McpServerOptions>(o =>
    {
        Assert.True(o.Filters.Request.CallToolFilters.Remove(CallResultWriter.Filter));
        Assert.True(o.Filters.Message.OutgoingFilters.Remove(CallResultWriter.OutgoingFilter));
    });

    [Fact]
    public void Defer_ShapedPlainTextResult_MovesTheContentOutAndKeepsPlaceholders()
    {
        var shaped = new CallToolResult { Content = [new TextContentBlock { Text = "t" }], StructuredContent = JsonElement.Parse("""{"a":1}""") };
        var items = Items(shaped);

        Assert.True(CallResultWriter.Defer(items, shaped));

        Assert.Empty(shaped.Content);
        Assert.Equal(JsonValueKind.Object, shaped.StructuredContent!.Value.ValueKind);
        Assert.Empty(shaped.StructuredContent.Value.EnumerateObject());
        var parts = Assert.IsType<CallResultWriter.Parts>(items[CallResultWriter.ItemKey]);
        var response = new JsonObject { ["content"] = new JsonArray(), ["structuredContent"] = new JsonObject(), ["isError"] = true };
        parts.WriteInto(response);
        Assert.Equal("""{"content":[{"type":"text","text":"t"}],"structuredContent":{"a":1},"isError":true}""", response.ToJsonString());
    }

    [Fact]
    public void Defer_TextOnlyResult_DeferredOnlyFromTheMinimumLength()
    {
        var shortText = new CallToolResult { Content = [new TextContentBlock { Text = "Echo: hello" }] };
        var longText = new CallToolResult { Content = [new TextContentBlock { Text = new string('x', CallResultWriter.MinDeferredTextChars - 1) }, new TextContentBlock { Text = "y" }] };

        Assert.False(CallResultWriter.Defer(Items(shortText), shortText)); // the SDK's re-parse of a short text costs less than deferring it
        Assert.Single(shortText.Content);
        Assert.True(CallResultWriter.Defer(Items(longText), longText));
        Assert.Empty(longText.Content);
    }

    [Fact]
    public void Defer_AnnotatedOrNonTextBlock_LeftToTheSdk()
    {
        var annotated = new CallToolResult { Content = [new TextContentBlock { Text = "t", Annotations = new Annotations { Priority = 1 } }] };
        var image = new CallToolResult { Content = [new TextContentBlock { Text = "t" }, new ImageContentBlock { Data = "AA=="u8.ToArray(), MimeType = "image/png" }] };

        Assert.False(CallResultWriter.Defer(Items(annotated), annotated));
        Assert.False(CallResultWriter.Defer(Items(image), image));
        Assert.Single(annotated.Content);
        Assert.Equal(2, image.Content.Count);
    }

    [Fact]
    public void Defer_ResultNotShapedByThisCall_LeftToTheSdk()
    {
        var shaped = new CallToolResult { Content = [new TextContentBlock { Text = "ours" }] };
        var other = new CallToolResult { Content = [new TextContentBlock { Text = "another" }] };
        var items = Items(shaped);

        Assert.False(CallResultWriter.Defer(items, other));
        Assert.False(CallResultWriter.Defer(new Dictionary<string, object?>(), shaped));

        Assert.Single(other.Content);
        Assert.False(items.ContainsKey(CallResultWriter.ItemKey));
    }

    private static Dictionary<string, object?> Items(CallToolResult shaped)
        => new() { [CallState.ItemKey] = new CallState { ToolName = "t", CorrelationId = "c", StartTimestamp = 0, Shaped = shaped } };

    /// <summary>The same call's answer from a host as shipped and from one without the writer's two filters (the SDK's own DOM).</summary>
    private static async Task<(string Written, string Sdk)> BothAnswersAsync(ToolResult result, string tool, Action<MsilMcpOptions>? options = null)
    {
        await using var written = await StartAsync(result, options);
        await using var sdk = await StartAsync(result, options, configure: mcp => mcp.Services.PostConfigure<McpServerOptions>(o =>
        {
            Assert.True(o.Filters.Request.CallToolFilters.Remove(CallResultWriter.Filter));
            Assert.True(o.Filters.Message.OutgoingFilters.Remove(CallResultWriter.OutgoingFilter));
        }));

        return (await PostCallAsync(written, tool), await PostCallAsync(sdk, tool));
    }

    private static async Task<string> PostCallAsync(TestHost host, string tool)
    {
        var answer = await host.PostJsonRpcAsync("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool + "\",\"arguments\":{}}}", "bob", "viewer");
        Assert.True(answer.IsSuccessStatusCode, answer.Body);
        Assert.Contains("\"result\"", answer.Body, StringComparison.Ordinal);
        return answer.Body;
    }

    /// <summary>One tools/call over the stream transport (as stdio uses it), with or without the writer's two filters; returns the answer's line.</summary>
    private static async Task<string> CallOverStreamAsync(TestHost host, bool removeWriter)
    {
        var input = new System.IO.Pipelines.Pipe();
        var output = new System.IO.Pipelines.Pipe();
        var serverOptions = host.Services.GetRequiredService<IOptionsFactory<McpServerOptions>>().Create(Options.DefaultName);
        if (removeWriter)
        {
            Assert.True(serverOptions.Filters.Request.CallToolFilters.Remove(CallResultWriter.Filter));
            Assert.True(serverOptions.Filters.Message.OutgoingFilters.Remove(CallResultWriter.OutgoingFilter));
        }

        await using var server = McpServer.Create(new StreamServerTransport(input.Reader.AsStream(), output.Writer.AsStream()), serverOptions, serviceProvider: host.Services);
        var run = server.RunAsync(Ct);
        using var reader = new StreamReader(output.Reader.AsStream(), Encoding.UTF8);
        await using var writer = new StreamWriter(input.Writer.AsStream(), new UTF8Encoding(false)) { AutoFlush = true };
        await writer.WriteLineAsync("""{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""".AsMemory(), Ct);
        _ = await reader.ReadLineAsync(Ct);
        await writer.WriteLineAsync("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"shaped_tool","arguments":{}}}""".AsMemory(), Ct);
        var line = await reader.ReadLineAsync(Ct);
        input.Writer.Complete();
        _ = run;
        Assert.NotNull(line);
        return line;
    }

    private static string Json(string body) => new Msil.Mcp.Testing.McpHttpAnswer(System.Net.HttpStatusCode.OK, body).Message;

    private static Task<TestHost> StartAsync(ToolResult result, Action<MsilMcpOptions>? options = null, Action<IMsilMcpBuilder>? configure = null)
        => TestHost.StartAsync(
            mcp =>
            {
                mcp.Services.AddSingleton<IToolExecutor>(new FixedResultExecutor(result));
                mcp.UsePolicyDecisionPoint<AllowAll>();

                mcp.AddTools(
                    "writer",
                    [
                        Tools.Define("shaped_tool", RiskLevel.Read, """{"type":"object"}""") with { Executor = FixedResultExecutor.ExecutorKind },
                        Tools.Define("typed_tool", RiskLevel.Read, """{"type":"object"}""") with
                        {
                            Executor = FixedResultExecutor.ExecutorKind,
                            OutputSchema = JsonElement.Parse("""{"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}"""),
                        },
                    ]);
                configure?.Invoke(mcp);
            },
            options);

    private sealed class FixedResultExecutor(ToolResult result) : IToolExecutor
    {
        public const string ExecutorKind = "fixed";

        public string Kind => ExecutorKind;

        public ValueTask<ToolResult> ExecuteAsync(ToolInvocation invocation, CancellationToken cancellationToken) => new(result);
    }

    private sealed class AllowAll : IPolicyDecisionPoint
    {
        public ValueTask<PolicyDecision> EvaluateAsync(PolicyRequest request, CancellationToken cancellationToken)
            => new(PolicyDecision.Allowed("allowed", "test"));
    }
}
