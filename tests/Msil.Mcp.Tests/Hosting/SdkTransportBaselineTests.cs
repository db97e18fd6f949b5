using System.Net;
using System.Net.Sockets;
using System.Text;
using ModelContextProtocol;
using ModelContextProtocol.Server;
using Msil.Mcp.Testing;

namespace Msil.Mcp.Tests.Hosting;

/// <summary>
/// Why the core keeps its own transport guards on ModelContextProtocol 2.4.0 (docs/compatibility.md, "what the SDK does
/// itself"): a bare SDK host accepts any Host and Origin and logs a governed refusal as a tool error, while the governed
/// host refuses a foreign origin. When an SDK upgrade makes one of the bare-SDK tests fail, the SDK has taken that job
/// over: compare its behaviour with ours and retire our copy if the SDK's is at least as strict.
/// </summary>
public sealed class SdkTransportBaselineTests
{
    private const string Ping = """{"jsonrpc":"2.0","id":1,"method":"ping"}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task BareSdk_ForeignHostAndOrigin_Served()
    {
        await using var app = await StartBareSdkAsync(_ => { });

        var (status, body) = await RawPostAsync(Address(app), "/mcp", Ping, "attacker.example", "http://attacker.example");

        Assert.Equal(200, status);
        Assert.Contains("\"result\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BareSdk_ToolRefusesWithProtocolError_SdkLogsItAsToolError()
    {
        var refusing = McpServerTool.Create(
            string () => throw new McpProtocolException("denied by policy", McpErrorCode.InvalidRequest),
            new McpServerToolCreateOptions { Name = "refuse" });
        await using var app = await StartBareSdkAsync(mcp => mcp.WithTools([refusing]));

        var (status, body) = await RawPostAsync(
            Address(app), "/mcp", """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"refuse","arguments":{}}}""", "127.0.0.1", origin: null);

        Assert.Equal(200, status);
        Assert.Contains("denied by policy", body, StringComparison.Ordinal);
        var sdk = app.Services.GetFakeLogCollector().GetSnapshot()
            .Where(r => r.Category?.StartsWith("ModelContextProtocol", StringComparison.Ordinal) == true && r.Exception is McpProtocolException)
            .ToList();
        Assert.Contains(sdk, r => r.Level == LogLevel.Error);
    }

    [Fact]
    public async Task GovernedHost_ForeignOrigin_RefusedWith403NamingTheKey()
    {
        await using var host = await MsilMcpTestHost.StartAsync(m => m.UseInMemoryAuditSink(), o => o.ConfigureApp = app => app.MapPost("/plain", () => "ok"), Ct);

        var (status, body) = await RawPostAsync(host.BaseAddress, "/plain", Ping, "127.0.0.1:" + host.BaseAddress.Port, "http://attacker.example");

        Assert.Equal(403, status);
        Assert.Contains("Msil:Mcp:AllowedOrigins", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GovernedHost_SameOrListedOrigin_Passes()
    {
        await using var host = await MsilMcpTestHost.StartAsync(
            m =>
            {
                m.UseInMemoryAuditSink();
                m.Services.Configure<MsilMcpOptions>(o => o.AllowedOrigins.Add("https://console.example"));
            },
            o => o.ConfigureApp = app => app.MapPost("/plain", () => "ok"),
            Ct);
        var hostHeader = "127.0.0.1:" + host.BaseAddress.Port;

        var (same, _) = await RawPostAsync(host.BaseAddress, "/plain", Ping, hostHeader, "http://" + hostHeader);
        var (listed, _) = await RawPostAsync(host.BaseAddress, "/plain", Ping, hostHeader, "https://console.example");

        Assert.Equal(200, same);
        Assert.Equal(200, listed);
    }

    /// <summary>The SDK alone, as its README composes it: stateless Streamable HTTP on a loopback port, nothing of ours.</summary>
    private static async Task<WebApplication> StartBareSdkAsync(Action<IMcpServerBuilder> configure)
    {
        var builder = WebApplication.CreateBuilder(["--environment", "Development", "--urls", "http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddFakeLogging();
        var mcp = builder.Services.AddMcpServer().WithHttpTransport();
        configure(mcp);
        var app = builder.Build();
        app.MapMcp("/mcp");
        await app.StartAsync(Ct);
        return app;
    }

    private static Uri Address(WebApplication app) => new(app.Urls.First());

    /// <summary>Sends a POST with chosen Host and Origin headers (HttpClient would derive Host from the URL) and returns status and body.</summary>
    private static async Task<(int Status, string Body)> RawPostAsync(Uri server, string path, string json, string hostHeader, string? origin)
    {
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        await client.ConnectAsync(IPAddress.Loopback, server.Port, timeout.Token);
        await using var stream = client.GetStream();
        var content = Encoding.UTF8.GetBytes(json);
        var head = $"POST {path} HTTP/1.1\r\nHost: {hostHeader}\r\n{(origin is null ? string.Empty : "Origin: " + origin + "\r\n")}"
            + "Accept: application/json, text/event-stream\r\nContent-Type: application/json\r\nMCP-Protocol-Version: 2025-11-25\r\n"
            + $"Content-Length: {content.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), timeout.Token);
        await stream.WriteAsync(content, timeout.Token);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(timeout.Token);
        var status = int.Parse(text.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
    }
}
