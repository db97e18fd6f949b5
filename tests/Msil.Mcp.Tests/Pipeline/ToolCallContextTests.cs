using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Tests.Hosting;

namespace Msil.Mcp.Tests.Pipeline;

/// <summary>What an executor sends toward the client (content blocks, progress, log messages, sampling, elicitation) and anonymous callers.</summary>
public sealed class ToolCallContextTests
{
    private const string Png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<TestHost> StartAsync(ScriptedExecutor executor, RecordingAudit? audit = null, McpSessionMode mode = McpSessionMode.Stateless, Action<IMsilMcpBuilder>? extra = null)
        => TestHost.StartAsync(
            mcp =>
            {
                var log = new StageLog();
                mcp.Services.AddSingleton(log);
                mcp.Services.AddSingleton(new RecordingPolicy(log));
                mcp.Services.AddSingleton(audit ?? new RecordingAudit(log));
                mcp.Services.AddSingleton(executor);
                mcp.UsePolicyDecisionPoint<RecordingPolicyAdapter>();
                mcp.UseAuditSink<RecordingAuditAdapter>();
                mcp.AddToolExecutor<ScriptedExecutorAdapter>();
                mcp.AddTools("test", [Tools.Define("work", RiskLevel.Read, """{"type":"object","properties":{}}""") with { Executor = ScriptedExecutor.Kind }]);
                extra?.Invoke(mcp);
            },
            o => o.SessionMode = mode);

    [Fact]
    public async Task CallTool_ContentBlocks_ReachTheClientInOrderAndAuditRecordsTheirSize()
    {
        var audit = new RecordingAudit(new StageLog());
        var executor = new ScriptedExecutor((_, _) => new(new ToolResult
        {
            Text = "summary",
            Content =
            [
                new TextToolContent("hello"),
                new ImageToolContent(Png, "image/png"),
                new AudioToolContent("UklGRg==", "audio/wav"),
                new EmbeddedResourceToolContent("test://r", "text/plain", "resource text"),
                new ResourceLinkToolContent("test://link", "link"),
            ],
        }));
        await using var host = await StartAsync(executor, audit);
        await using var client = await host.ConnectAsync("bob", "operator");

        var result = await client.CallToolAsync("work", new Dictionary<string, object?>(), cancellationToken: Ct);

        Assert.Collection(
            result.Content,
            b => Assert.Equal("hello", Assert.IsType<TextContentBlock>(b).Text),
            b => Assert.Equal("image/png", Assert.IsType<ImageContentBlock>(b).MimeType),
            b => Assert.Equal("audio/wav", Assert.IsType<AudioContentBlock>(b).MimeType),
            b => Assert.Equal("resource text", Assert.IsType<TextResourceContents>(Assert.IsType<EmbeddedResourceBlock>(b).Resource).Text),
            b => Assert.Equal("test://link", Assert.IsType<ResourceLinkBlock>(b).Uri));
        var image = (ImageContentBlock)result.Content[1];
        Assert.Equal(Png, System.Text.Encoding.UTF8.GetString(image.Data.Span));
        var record = Assert.Single(audit.Records);
        Assert.Equal(AuditOutcomes.Success, record.Outcome);
        Assert.Equal(5 + Png.Length + 8 + 13 + "test://link".Length + 4, record.ResultSize);
    }

    [Fact]
    public async Task CallTool_ProgressAndLogMessages_ReachTheClientDuringTheCall()
    {
        var executor = new ScriptedExecutor(async (invocation, ct) =>
        {
            var context = invocation.Context!;
            Assert.True(context.CanReportProgress);
            await context.LogAsync(ToolLogLevel.Debug, "below the level", ct);
            await context.LogAsync(ToolLogLevel.Warning, "step one", ct);
            await context.ReportProgressAsync(1, 2, "half", ct);
            await context.ReportProgressAsync(2, 2, cancellationToken: ct);
            return new ToolResult { Text = "done" };
        });
        await using var host = await StartAsync(executor, mode: McpSessionMode.Stateful);
        await using var client = await host.ConnectAsync("bob", "operator");
        var logs = new List<string>();
#pragma warning disable MCP9005 // logging is deprecated from 2026-07-28; this client negotiates 2025-11-25.
        await client.SetLoggingLevelAsync(LoggingLevel.Info, cancellationToken: Ct);
        await using var registration = client.RegisterNotificationHandler(NotificationMethods.LoggingMessageNotification, (n, _) =>
        {
            lock (logs)
            {
                logs.Add(n.Params!["data"]!.GetValue<string>());
            }

            return ValueTask.CompletedTask;
        });
#pragma warning restore MCP9005
        // The IProgress<T> handler makes the client send a progress token; the raw handler sees every notification
        // (the client stops routing to IProgress<T> once the result is in, which may be before the last one is handled).
        var progress = new List<float>();
        await using var progressRegistration = client.RegisterNotificationHandler(NotificationMethods.ProgressNotification, (n, _) =>
        {
            lock (progress)
            {
                progress.Add(n.Params!["progress"]!.GetValue<float>());
            }

            return ValueTask.CompletedTask;
        });

        var result = await client.CallToolAsync("work", new Dictionary<string, object?>(), new SyncProgress([]), cancellationToken: Ct);

        Assert.Equal("done", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);

        // The client dispatches notifications on its own loop: they may be handled just after the result arrives.
        // Handlers may also run concurrently, so the order in which they ran says nothing about the wire order.
        await WaitUntilAsync(() => Count(progress) >= 2 && Count(logs) >= 1);
        lock (progress)
        {
            Assert.Equal([1f, 2f], progress.Order());
        }

        lock (logs)
        {
            Assert.Equal(["step one"], logs);
        }
    }

    [Fact]
    public async Task CallTool_SamplingAndElicitation_GoThroughTheClientsHandlers()
    {
        var executor = new ScriptedExecutor(async (invocation, ct) =>
        {
            var context = invocation.Context!;
            var sampled = await context.SampleAsync(new ToolSamplingRequest("question", 50), ct);
            var schema = JsonDocument.Parse("""{"type":"object","properties":{"name":{"type":"string"}}}""").RootElement;
            var elicited = await context.ElicitAsync("who?", schema, ct);
            return new ToolResult { Text = $"{sampled.Text}|{sampled.Model}|{elicited.Action}|{elicited.Content?.GetProperty("name").GetString()}" };
        });
        await using var host = await StartAsync(executor, mode: McpSessionMode.Stateful);
#pragma warning disable MCP9005 // sampling is deprecated from 2026-07-28; this client negotiates 2025-11-25.
        var options = new McpClientOptions
        {
            Handlers = new McpClientHandlers
            {
                SamplingHandler = (request, _, _) => ValueTask.FromResult(new CreateMessageResult
                {
                    Role = Role.Assistant,
                    Model = "m1",
                    Content = [new TextContentBlock { Text = "answer to " + ((TextContentBlock)request!.Messages[0].Content[0]).Text }],
                }),
                ElicitationHandler = (request, _) => ValueTask.FromResult(new ElicitResult
                {
                    Action = "accept",
                    Content = new Dictionary<string, JsonElement> { ["name"] = JsonSerializer.SerializeToElement("ada") },
                }),
            },
        };
#pragma warning restore MCP9005
        await using var client = await host.ConnectAsync(options, "bob", "operator");

        var result = await client.CallToolAsync("work", new Dictionary<string, object?>(), cancellationToken: Ct);

        Assert.Equal("answer to question|m1|accept|ada", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    [Fact]
    public async Task CallTool_JsonLevelRequest_ReturnsTheClientsResult()
    {
        var executor = new ScriptedExecutor(async (invocation, ct) =>
        {
            var roots = await invocation.Context!.SendRequestAsync("roots/list", JsonDocument.Parse("{}").RootElement, ct);
            return new ToolResult { Text = roots.GetProperty("roots")[0].GetProperty("uri").GetString()! };
        });
        await using var host = await StartAsync(executor, mode: McpSessionMode.Stateful);
#pragma warning disable MCP9005 // roots are deprecated from 2026-07-28; this client negotiates 2025-11-25.
        var options = new McpClientOptions
        {
            Handlers = new McpClientHandlers
            {
                RootsHandler = (_, _) => ValueTask.FromResult(new ListRootsResult { Roots = [new Root { Uri = "file:///workspace" }] }),
            },
        };
#pragma warning restore MCP9005
        await using var client = await host.ConnectAsync(options, "bob", "operator");

        var result = await client.CallToolAsync("work", new Dictionary<string, object?>(), cancellationToken: Ct);

        Assert.Equal("file:///workspace", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    [Fact]
    public async Task CallTool_SamplingWithoutClientCapability_IsTheProtocolErrorMissingCapability()
    {
        var executor = new ScriptedExecutor(async (invocation, ct) =>
        {
            Assert.False(invocation.Context!.SupportsSampling);
            await invocation.Context.SampleAsync(new ToolSamplingRequest("q", 10), ct);
            return new ToolResult { Text = "unreachable" };
        });
        await using var host = await StartAsync(executor, mode: McpSessionMode.Stateful);
        await using var client = await host.ConnectAsync("bob", "operator");

        var ex = await Assert.ThrowsAnyAsync<McpProtocolException>(() => client.CallToolAsync("work", new Dictionary<string, object?>(), cancellationToken: Ct).AsTask());

        Assert.Equal(McpErrorCode.MissingRequiredClientCapability, ex.ErrorCode);
    }

    [Fact]
    public async Task CallTool_AnonymousAllowed_RunsAsTheHostsFixedIdentityThroughPolicyAndAudit()
    {
        var log = new StageLog();
        var audit = new RecordingAudit(log);
        CallerIdentity? seen = null;
        var executor = new ScriptedExecutor((invocation, _) =>
        {
            seen = invocation.Caller;
            return new(new ToolResult { Text = "ok" });
        });
        await using var host = await StartAsync(executor, audit, extra: mcp => mcp.AllowAnonymousCallers("suite", ["operator"]));
        await using var client = await host.ConnectAsync();

        var result = await client.CallToolAsync("work", new Dictionary<string, object?>(), cancellationToken: Ct);

        Assert.NotEqual(true, result.IsError);
        Assert.NotNull(seen);
        Assert.Equal("suite", seen.UserId);
        Assert.Equal(["operator"], seen.Roles);
        Assert.Equal("urn:msil-mcp:anonymous", seen.Issuer);
        Assert.Equal("suite", Assert.Single(audit.Records).UserId);
    }

    [Fact]
    public async Task Start_AnonymousAllowedInProduction_IsRefused()
    {
        var builder = WebApplication.CreateBuilder(["--environment", "Production", "--urls", "http://127.0.0.1:0", "--AllowedHosts", "127.0.0.1"]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddMsilMcp().AllowAnonymousCallers("suite", ["operator"]);
        await using var app = builder.Build();
        app.MapMsilMcp("/mcp");

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync(Ct));

        Assert.Contains("Production", ex.Message, StringComparison.Ordinal);
    }

    private static int Count<T>(List<T> list)
    {
        lock (list)
        {
            return list.Count;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(10));
        while (!condition() && !deadline.IsCancellationRequested)
        {
            await Task.Delay(20, CancellationToken.None);
        }
    }

    private sealed class SyncProgress(List<ProgressNotificationValue> values) : IProgress<ProgressNotificationValue>
    {
        public void Report(ProgressNotificationValue value)
        {
            lock (values)
            {
                values.Add(value);
            }
        }
    }
}

/// <summary>An executor whose behaviour each test scripts.</summary>
internal sealed class ScriptedExecutor(Func<ToolInvocation, CancellationToken, ValueTask<ToolResult>> run)
{
    public const string Kind = "scripted";

    public ValueTask<ToolResult> ExecuteAsync(ToolInvocation invocation, CancellationToken cancellationToken) => run(invocation, cancellationToken);
}

internal sealed class ScriptedExecutorAdapter(ScriptedExecutor inner) : IToolExecutor
{
    public string Kind => ScriptedExecutor.Kind;

    public ValueTask<ToolResult> ExecuteAsync(ToolInvocation invocation, CancellationToken cancellationToken) => inner.ExecuteAsync(invocation, cancellationToken);
}
