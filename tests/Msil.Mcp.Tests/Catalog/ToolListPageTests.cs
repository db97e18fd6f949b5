using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Catalog;
using Msil.Mcp.Tests.Hosting;

namespace Msil.Mcp.Tests.Catalog;

/// <summary>
/// <c>tools/list</c> written as each tool's cached UTF-8 JSON (<see cref="RawToolArray"/>): the same answer as the
/// element nodes it replaces and as the SDK's own serialization, through the real HTTP and stream transports and the
/// SDK client, and the fallback to element nodes when the SDK's options cannot write the raw array.
/// </summary>
public sealed class ToolListPageTests
{
    /// <summary>Non-ASCII, a quote, a backslash, HTML-sensitive characters, a line separator, a control character and an astral character.</summary>
    private const string AwkwardDescription = "Crée l'entrée « spéciale » \"quoted\" \\ back <b>&</b> \u2028 line\ttab \u0001 😀 日本語";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IReadOnlyList<ToolDefinition> Definitions() =>
    [
        Tools.Define("plain_tool", RiskLevel.Read),
        Tools.Define("awkward_tool", RiskLevel.Write, """{"type":"object","properties":{"q":{"type":"string","description":"Ünïcødé \"q\" \\ \u2028","default":"é"}},"required":["q"]}""") with { Description = AwkwardDescription, Title = "Titre « é »" },
        Tools.Define("privileged_tool", RiskLevel.Privileged) with { OutputSchema = JsonDocument.Parse("""{"type":"object","properties":{"id":{"type":"string"}}}""").RootElement.Clone(), TaskSupport = ToolTaskSupport.Optional },
    ];

    private static byte[] WriteResponse(JsonNode tools, JsonSerializerOptions options)
    {
        var response = new JsonRpcResponse { Id = new RequestId(7), Result = new JsonObject { ["tools"] = tools, ["nextCursor"] = "abc", ["ttlMs"] = 1000 } };
        return JsonSerializer.SerializeToUtf8Bytes(response, options.GetTypeInfo(typeof(JsonRpcMessage)));
    }

    /// <summary>The SDK's two writer options: its source-generated context's (Streamable HTTP) and its default options (stream, stdio).</summary>
    public static TheoryData<int> WriterOptions() => [.. Enumerable.Range(0, RawToolArray.SdkWriterOptions.Count)];

    [Fact]
    public void SdkWriterOptions_ContextAndDefaultOptions_BothFound()
    {
        Assert.Equal(2, RawToolArray.SdkWriterOptions.Count);
        Assert.Same(McpJsonUtilities.DefaultOptions, RawToolArray.SdkWriterOptions[1]);
    }

    [Theory]
    [MemberData(nameof(WriterOptions))]
    public void ToJson_RawBytesAndElementNodes_ByteForByteTheSameResponse(int writer)
    {
        var options = RawToolArray.SdkWriterOptions[writer];
        var compiled = Definitions().Select(CompiledTool.Compile).ToList();

        var raw = WriteResponse(new ToolListPage(compiled, writeRaw: true).ToJson(), options);
        var nodes = WriteResponse(new ToolListPage(compiled, writeRaw: false).ToJson(), options);

        Assert.Equal(Encoding.UTF8.GetString(nodes), Encoding.UTF8.GetString(raw));
        using var document = JsonDocument.Parse(raw);
        var result = document.RootElement.GetProperty("result");
        Assert.Equal("abc", result.GetProperty("nextCursor").GetString());
        Assert.Equal(1000, result.GetProperty("ttlMs").GetInt32());
        var tools = result.GetProperty("tools").EnumerateArray().ToList();
        Assert.Equal(compiled.Count, tools.Count);
        for (var i = 0; i < compiled.Count; i++)
        {
            // Tool by tool, what the SDK itself writes for the protocol tool.
            Assert.True(JsonElement.DeepEquals(CompiledTool.SerializeProtocolTool(compiled[i].Definition), tools[i]), $"tool {i} differs: {tools[i]}");
        }

        Assert.Equal(AwkwardDescription, tools[1].GetProperty("description").GetString());
    }

    [Fact]
    public void ToJson_RawPage_OneValueNodeNotOneNodePerTool()
    {
        var compiled = Definitions().Select(CompiledTool.Compile).ToList();

        var node = new ToolListPage(compiled).ToJson();

        Assert.IsAssignableFrom<JsonValue>(node);
        Assert.True(new ToolListJsonMode(NullLogger()).WritesRaw);
    }

    [Fact]
    public void CompiledTool_ProtocolUtf8_IsTheSdkSerializationAndParsesToProtocolJson()
    {
        var definition = Definitions()[1];

        var compiled = CompiledTool.Compile(definition);

        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(compiled.ProtocolTool, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(Tool))), compiled.ProtocolUtf8.ToArray());
        Assert.True(JsonElement.DeepEquals(compiled.ProtocolJson, JsonElement.Parse(compiled.ProtocolUtf8.Span)));
    }

    [Fact]
    public void Probe_OptionsThatCannotResolveTheRawArray_FallsBackAndLogsOnce()
    {
        var collector = new FakeLogCollector();
        using var factory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(collector)));
        var withoutRawArray = new JsonSerializerOptions(McpJsonUtilities.DefaultOptions) { TypeInfoResolver = new Without(McpJsonUtilities.DefaultOptions.TypeInfoResolver!, typeof(RawToolArray)) };

        var mode = new ToolListJsonMode(factory.CreateLogger<ToolListJsonMode>(), withoutRawArray);

        Assert.False(mode.WritesRaw);
        var record = Assert.Single(collector.GetSnapshot(), r => r.Id.Id == 330);
        Assert.Equal(LogLevel.Warning, record.Level);
        Assert.Contains("one JSON node per tool", record.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_SdkDefaultOptions_WritesRawWithoutLogging()
    {
        var collector = new FakeLogCollector();
        using var factory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(collector)));

        var mode = new ToolListJsonMode(factory.CreateLogger<ToolListJsonMode>());

        Assert.True(mode.WritesRaw);
        Assert.Empty(collector.GetSnapshot());
    }

    [Fact]
    public async Task ToolsList_FallbackMode_SameToolsThroughTheSdkClient()
    {
        var fallback = new ToolListJsonMode(NullLogger(), new JsonSerializerOptions { TypeInfoResolver = JsonTypeInfoResolver.Combine() });
        Assert.False(fallback.WritesRaw);
        await using var raw = await StartAsync();
        await using var nodes = await StartAsync(services => services.AddSingleton(fallback));
        await using var rawClient = await raw.ConnectAsync("bob", "viewer");
        await using var nodesClient = await nodes.ConnectAsync("bob", "viewer");

        var fromRaw = await rawClient.ListToolsAsync(cancellationToken: Ct);
        var fromNodes = await nodesClient.ListToolsAsync(cancellationToken: Ct);

        Assert.Equal(fromNodes.Select(t => JsonSerializer.Serialize(t.ProtocolTool, McpJsonUtilities.DefaultOptions)), fromRaw.Select(t => JsonSerializer.Serialize(t.ProtocolTool, McpJsonUtilities.DefaultOptions)));
        Assert.Equal(AwkwardDescription, fromRaw.Single(t => t.Name == "awkward_tool").Description);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task ToolsList_SdkClientOverHttp_EachAllowedToolAsTheSdkSerializesItAndNoHiddenOne(int pageSize)
    {
        await using var host = await StartAsync(o: o => o.ToolsListPageSize = pageSize);
        await using var client = await host.ConnectAsync("bob", "viewer");

        var tools = await client.ListToolsAsync(cancellationToken: Ct);

        var expected = Definitions().Where(d => d.RiskLevel != RiskLevel.Privileged).ToList();
        Assert.Equal(expected.Select(d => d.Name).Order(StringComparer.Ordinal), tools.Select(t => t.Name));
        foreach (var tool in tools)
        {
            var written = JsonSerializer.SerializeToElement(tool.ProtocolTool, McpJsonUtilities.DefaultOptions);
            Assert.True(JsonElement.DeepEquals(CompiledTool.SerializeProtocolTool(expected.Single(d => d.Name == tool.Name)), written), $"{tool.Name}: {written}");
        }
    }

    [Fact]
    public async Task ToolsList_RawHttpPost_AnswerCarriesTheCachedBytesAndNothingOfAHiddenTool()
    {
        await using var host = await StartAsync();
        var answer = await host.PostJsonRpcAsync("""{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}""", "bob", "viewer");
        var body = answer.Body;

        Assert.True(answer.IsSuccessStatusCode, body);
        var json = answer.Message;
        using var document = JsonDocument.Parse(json);
        var tools = document.RootElement.GetProperty("result").GetProperty("tools").EnumerateArray().ToList();
        var compiled = host.Services.GetRequiredService<GovernedToolCollection>().Listing;
        Assert.Equal(["awkward_tool", "plain_tool"], tools.Select(t => t.GetProperty("name").GetString()));
        foreach (var tool in tools)
        {
            var cached = compiled.Single(c => c.Definition.Name == tool.GetProperty("name").GetString());
            Assert.True(JsonElement.DeepEquals(cached.ProtocolJson, tool));
        }

        Assert.DoesNotContain("privileged_tool", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToolsList_StreamTransport_LineCarriesEveryToolAsCached()
    {
        await using var host = await StartAsync(configure: mcp => mcp.UsePolicyDecisionPoint<AllowAllPolicy>());
        var input = new System.IO.Pipelines.Pipe();
        var output = new System.IO.Pipelines.Pipe();
        var serverOptions = host.Services.GetRequiredService<IOptionsFactory<McpServerOptions>>().Create(Options.DefaultName);
        await using var server = McpServer.Create(new StreamServerTransport(input.Reader.AsStream(), output.Writer.AsStream()), serverOptions, serviceProvider: host.Services);
        var run = server.RunAsync(Ct);
        using var reader = new StreamReader(output.Reader.AsStream(), Encoding.UTF8);
        await using var writer = new StreamWriter(input.Writer.AsStream(), new UTF8Encoding(false)) { AutoFlush = true };

        await writer.WriteLineAsync("""{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""".AsMemory(), Ct);
        _ = await reader.ReadLineAsync(Ct);
        await writer.WriteLineAsync("""{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}""".AsMemory(), Ct);
        var line = await reader.ReadLineAsync(Ct);

        Assert.NotNull(line);
        using var document = JsonDocument.Parse(line);
        var tools = document.RootElement.GetProperty("result").GetProperty("tools").EnumerateArray().ToList();
        Assert.Equal(3, tools.Count);
        foreach (var tool in tools)
        {
            var definition = Definitions().Single(d => d.Name == tool.GetProperty("name").GetString());
            Assert.True(JsonElement.DeepEquals(CompiledTool.SerializeProtocolTool(definition), tool));
        }

        input.Writer.Complete();
        _ = run;
    }

    private static Task<TestHost> StartAsync(Action<IServiceCollection>? services = null, Action<MsilMcpOptions>? o = null, Action<IMsilMcpBuilder>? configure = null)
        => TestHost.StartAsync(
            mcp =>
            {
                services?.Invoke(mcp.Services);
                if (configure is null)
                {
                    mcp.UsePolicyDecisionPoint<NoPrivilegedPolicy>();
                }
                else
                {
                    configure(mcp);
                }

                mcp.AddTools("list", Definitions());
            },
            o);

    private static ILogger<ToolListJsonMode> NullLogger() => Microsoft.Extensions.Logging.Abstractions.NullLogger<ToolListJsonMode>.Instance;

    /// <summary>A resolver that knows every type <paramref name="inner"/> knows except <paramref name="hidden"/>.</summary>
    private sealed class Without(IJsonTypeInfoResolver inner, Type hidden) : IJsonTypeInfoResolver
    {
        public JsonTypeInfo? GetTypeInfo(Type type, JsonSerializerOptions options) => type == hidden ? null : inner.GetTypeInfo(type, options);
    }

    /// <summary>Lets a caller see every tool but the privileged ones.</summary>
    private sealed class NoPrivilegedPolicy : IPolicyDecisionPoint
    {
        public ValueTask<PolicyDecision> EvaluateAsync(PolicyRequest request, CancellationToken cancellationToken)
            => new(request.Tool.RiskLevel == RiskLevel.Privileged ? PolicyDecision.Denied("hidden", "test") : PolicyDecision.Allowed("shown", "test"));
    }

    private sealed class AllowAllPolicy : IPolicyDecisionPoint
    {
        public ValueTask<PolicyDecision> EvaluateAsync(PolicyRequest request, CancellationToken cancellationToken)
            => new(PolicyDecision.Allowed("shown", "test"));
    }
}
