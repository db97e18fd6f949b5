using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using ModelContextProtocol;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Server;
using Msil.Mcp.Benchmarks.Http;

namespace Msil.Mcp.Tests.Benchmarks;

/// <summary>
/// The raw-HTTP load driver of build/bench-http.sh's node row (tests/Msil.Mcp.Benchmarks/Http/McpLoadDriver.cs, linked
/// here): it counts exactly the calls a server answered well and those it answered with an error, whether the reply comes
/// in the POST's answer (the MCP SDK, stateless and stateful) or on the session's GET stream after a 202 (as the Node peer
/// does), and it ends by itself when a reply never comes.
/// </summary>
public sealed class McpLoadDriverTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(HttpServerSessionMode.Stateless)]
    [InlineData(HttpServerSessionMode.Stateful)]
    public async Task RunAsync_SdkServerAnswersInPost_CountsWhatTheServerServed(HttpServerSessionMode mode)
    {
        var tally = new Tally();
        var post = 0;
        // Each third call is a tool error (isError), each third a JSON-RPC error; a tool with "post" in its name is never chosen.
        McpServerTool[] tools =
        [
            McpServerTool.Create(string () => Interlocked.Increment(ref post).ToString(CultureInfo.InvariantCulture), new McpServerToolCreateOptions { Name = "post_inventory" }),
            McpServerTool.Create(
                string () => tally.Next() switch
                {
                    Outcome.ToolError => throw new McpException("out of stock"),
                    Outcome.RpcError => throw new McpProtocolException("refused", McpErrorCode.InvalidRequest),
                    _ => "V001",
                },
                new McpServerToolCreateOptions { Name = "get_vehicle_inventory" }),
        ];
        var builder = NewBuilder();
        builder.Services.AddMcpServer().WithHttpTransport(o => o.SessionMode = mode).WithTools(tools);
        await using var app = builder.Build();
        app.MapMcp("/mcp");
        await app.StartAsync(Ct);
        using var driver = new McpLoadDriver(Endpoint(app), null, TimeSpan.FromSeconds(10));

        var result = await driver.RunAsync("inventory", sessions: 3, TimeSpan.FromMilliseconds(600), rate: 0, Ct);

        Assert.True(result.Calls > 0 && result.Errors > 0, $"calls={result.Calls} errors={result.Errors}");
        Assert.Equal(tally.Ok, result.Calls);
        Assert.Equal(tally.Failed, result.Errors);
        Assert.Equal(0, post);
    }

    [Fact]
    public async Task RunAsync_ServerAnswers202AndRepliesOnGetStream_CountsWhatTheServerServed()
    {
        var peer = new NodeStylePeer();
        await using var app = await peer.StartAsync();
        using var driver = new McpLoadDriver(Endpoint(app), "a-token", TimeSpan.FromSeconds(10));

        var result = await driver.RunAsync("inventory", sessions: 4, TimeSpan.FromMilliseconds(600), rate: 0, Ct);

        Assert.True(result.Calls > 0 && result.Errors > 0, $"calls={result.Calls} errors={result.Errors}");
        Assert.Equal(peer.Tally.Ok, result.Calls);
        Assert.Equal(peer.Tally.Failed, result.Errors);
        // The Node peer routes a reply by its id across all sessions: the driver's ids never repeat.
        Assert.Equal(peer.CallIds.Count, result.Calls + result.Errors);
        Assert.All(peer.Authorizations, a => Assert.Equal("Bearer a-token", a));
        Assert.Equal(4, peer.Deleted);
    }

    [Fact]
    public async Task RunAsync_Paced_CallsAtMostAtTheRate()
    {
        var peer = new NodeStylePeer();
        await using var app = await peer.StartAsync();
        using var driver = new McpLoadDriver(Endpoint(app), null, TimeSpan.FromSeconds(10));

        // 20 calls/s over 2 sessions for 0.5 s: the schedule allows 10 calls (one per session at its start, then every 100 ms).
        var result = await driver.RunAsync("inventory", sessions: 2, TimeSpan.FromMilliseconds(500), rate: 20, Ct);

        Assert.InRange(result.Calls + result.Errors, 1, 10);
        Assert.Equal(peer.CallIds.Count, result.Calls + result.Errors);
    }

    [Fact]
    public async Task RunAsync_ReplyNeverComes_CountsTheTimeoutAsAnErrorAndEnds()
    {
        var peer = new NodeStylePeer { Silent = true };
        await using var app = await peer.StartAsync();
        using var driver = new McpLoadDriver(Endpoint(app), null, TimeSpan.FromMilliseconds(300));

        var result = await driver.RunAsync("inventory", sessions: 1, TimeSpan.FromMilliseconds(200), rate: 0, Ct);

        Assert.Equal(0, result.Calls);
        Assert.Equal(peer.CallIds.Count, result.Errors);
        Assert.True(result.Errors >= 1);
    }

    [Fact]
    public async Task RunAsync_NoToolMatches_ThrowsNamingTheTools()
    {
        var peer = new NodeStylePeer();
        await using var app = await peer.StartAsync();
        using var driver = new McpLoadDriver(Endpoint(app), null, TimeSpan.FromSeconds(10));

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => driver.RunAsync("payment", 1, TimeSpan.FromMilliseconds(100), 0, Ct));

        Assert.Equal("no tool matching 'payment' among: post_inventory, get-vehicle-inventory", e.Message);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"{\"isError\":true}"}]}}""", true, 7, false)]
    [InlineData("""{"jsonrpc":"2.0","id":7,"result":{"content":[],"isError":true}}""", true, 7, true)]
    [InlineData("""{"id":8,"jsonrpc":"2.0","error":{"code":-32600,"message":"refused"}}""", true, 8, true)]
    [InlineData("""{"jsonrpc":"2.0","id":9,"method":"ping"}""", false, 9, false)]
    [InlineData("""{"jsonrpc":"2.0","method":"notifications/progress","params":{"result":{"isError":true}}}""", false, -1, false)]
    public void Classify_Message_ReadsIdAndError(string json, bool isResponse, long id, bool isError)
    {
        var message = McpLoadDriver.Classify(Encoding.UTF8.GetBytes(json));

        Assert.Equal(new McpLoadDriver.JsonRpcMessage(isResponse, id, isError), message);
    }

    [Fact]
    public async Task MessageReader_EventStream_JoinsDataLinesSkipsOtherFieldsAndDropsACutOffEvent()
    {
        var reader = new McpLoadDriver.MessageReader();
        reader.Reset(new MemoryStream(Encoding.UTF8.GetBytes(
            ": comment\r\nevent: message\r\nid: 1\r\ndata: {\"a\":\r\ndata:1}\r\n\r\n\n\ndata: second\n\ndata: cut off")));

        Assert.True(await reader.ReadEventAsync(Ct));
        Assert.Equal("{\"a\":\n1}", Encoding.UTF8.GetString(reader.Data.Span));
        Assert.True(await reader.ReadEventAsync(Ct));
        Assert.Equal("second", Encoding.UTF8.GetString(reader.Data.Span));
        Assert.False(await reader.ReadEventAsync(Ct));
    }

    private static WebApplicationBuilder NewBuilder()
    {
        var builder = WebApplication.CreateBuilder(["--environment", "Development", "--urls", "http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        return builder;
    }

    private static Uri Endpoint(WebApplication app) => new(app.Urls.First() + "/mcp");

    private enum Outcome
    {
        Ok,
        ToolError,
        RpcError,
    }

    /// <summary>What a server answered: ok, a tool error, a JSON-RPC error, in turn.</summary>
    private sealed class Tally
    {
        private int _served;
        private int _ok;
        private int _failed;

        public int Ok => Volatile.Read(ref _ok);

        public int Failed => Volatile.Read(ref _failed);

        public Outcome Next()
        {
            var outcome = (Outcome)((Interlocked.Increment(ref _served) - 1) % 3);
            Interlocked.Increment(ref outcome == Outcome.Ok ? ref _ok : ref _failed);
            return outcome;
        }
    }

    /// <summary>
    /// A server that behaves like the Node peer (@ivotoby/openapi-mcp-server): sessions required, initialize and tools/list
    /// answered in the POST, a tools/call answered 202 with its reply on the session's GET stream, which sends no headers
    /// before its first event. Half the replies are written before the 202 goes out, half after.
    /// </summary>
    private sealed class NodeStylePeer
    {
        private readonly ConcurrentDictionary<string, Channel<(string Json, TaskCompletionSource? Written)>> _sessions = new();
        private int _deleted;

        public bool Silent { get; init; }

        public Tally Tally { get; } = new();

        public ConcurrentDictionary<long, bool> CallIds { get; } = new();

        public ConcurrentBag<string> Authorizations { get; } = [];

        public int Deleted => Volatile.Read(ref _deleted);

        public async Task<WebApplication> StartAsync()
        {
            var app = NewBuilder().Build();
            app.MapPost("/mcp", PostAsync);
            app.MapGet("/mcp", GetAsync);
            app.MapDelete("/mcp", context =>
            {
                if (_sessions.TryRemove(context.Request.Headers["Mcp-Session-Id"].ToString(), out var channel))
                {
                    channel.Writer.TryComplete();
                    Interlocked.Increment(ref _deleted);
                }

                context.Response.StatusCode = 204;
                return Task.CompletedTask;
            });
            await app.StartAsync(Ct);
            return app;
        }

        private async Task PostAsync(HttpContext context)
        {
            using var request = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            Authorizations.Add(context.Request.Headers.Authorization.ToString());
            var method = request.RootElement.GetProperty("method").GetString();
            var hasId = request.RootElement.TryGetProperty("id", out var idElement);
            var id = hasId ? idElement.GetInt64() : -1;
            if (method == "initialize")
            {
                var session = Guid.NewGuid().ToString("N");
                _sessions[session] = Channel.CreateUnbounded<(string, TaskCompletionSource?)>();
                context.Response.Headers["Mcp-Session-Id"] = session;
                await WriteJsonAsync(context, WithId("""{"jsonrpc":"2.0","id":@id,"result":{"protocolVersion":"2025-03-26","capabilities":{"tools":{"list":true,"execute":true}},"serverInfo":{"name":"node-style","version":"1"}}}""", id));
                return;
            }

            if (!_sessions.TryGetValue(context.Request.Headers["Mcp-Session-Id"].ToString(), out var stream))
            {
                context.Response.StatusCode = 400;
                return;
            }

            if (!hasId)
            {
                context.Response.StatusCode = 202;
                return;
            }

            if (method == "tools/list")
            {
                await WriteJsonAsync(context, WithId("""{"jsonrpc":"2.0","id":@id,"result":{"tools":[{"name":"post_inventory","inputSchema":{"type":"object"}},{"name":"get-vehicle-inventory","inputSchema":{"type":"object"}}]}}""", id));
                return;
            }

            Assert.Equal("get-vehicle-inventory", request.RootElement.GetProperty("params").GetProperty("name").GetString());
            Assert.True(CallIds.TryAdd(id, true), $"id {id} was used twice");
            context.Response.StatusCode = 202;
            if (Silent)
            {
                return;
            }

            var reply = Tally.Next() switch
            {
                Outcome.ToolError => WithId("""{"result":{"content":[{"type":"text","text":"out of stock"}],"isError":true},"jsonrpc":"2.0","id":@id}""", id),
                Outcome.RpcError => WithId("""{"jsonrpc":"2.0","id":@id,"error":{"code":-32603,"message":"failed"}}""", id),
                _ => WithId("""{"result":{"content":[{"type":"text","text":"[{\"id\":\"V001\"}]"}]},"jsonrpc":"2.0","id":@id}""", id),
            };
            if (id % 2 == 0)
            {
                var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                stream.Writer.TryWrite((reply, written));
                await written.Task.WaitAsync(TimeSpan.FromSeconds(10), context.RequestAborted);
            }
            else
            {
                context.Response.OnCompleted(() =>
                {
                    stream.Writer.TryWrite((reply, null));
                    return Task.CompletedTask;
                });
            }
        }

        private async Task GetAsync(HttpContext context)
        {
            if (!_sessions.TryGetValue(context.Request.Headers["Mcp-Session-Id"].ToString(), out var stream))
            {
                context.Response.StatusCode = 400;
                return;
            }

            context.Response.ContentType = "text/event-stream";
            try
            {
                await foreach (var (json, written) in stream.Reader.ReadAllAsync(context.RequestAborted))
                {
                    await context.Response.WriteAsync("data: " + json + "\n\n", context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    written?.TrySetResult();
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        private static string WithId(string json, long id) => json.Replace("@id", id.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

        private static Task WriteJsonAsync(HttpContext context, string json)
        {
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync(json, context.RequestAborted);
        }
    }
}
