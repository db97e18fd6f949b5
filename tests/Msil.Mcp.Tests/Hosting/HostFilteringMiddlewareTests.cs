using System.Net;
using System.Net.Sockets;
using System.Text;
using Msil.Mcp.Hosting;
using Msil.Mcp.Testing;

namespace Msil.Mcp.Tests.Hosting;

/// <summary>Host filtering that AddMsilMcp/MapMsilMcp turn on by default (DNS-rebinding protection), over a real loopback host.</summary>
public sealed class HostFilteringMiddlewareTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Request_RebindingHostInDevelopment_RefusedBeforeAnyEndpoint()
    {
        await using var host = await MsilMcpTestHost.StartAsync(m => m.UseInMemoryAuditSink(), o => o.ConfigureApp = app => app.MapGet("/plain", () => "ok"), Ct);

        // A rebinding page sends its own name as both Host and Origin: the origin check alone let it through.
        var (status, _) = await RawGetAsync(host.BaseAddress, "/plain", "attacker.example", origin: "http://attacker.example");
        var (loopback, body) = await RawGetAsync(host.BaseAddress, "/plain", "localhost:" + host.BaseAddress.Port, origin: null);

        Assert.Equal(400, status);
        Assert.Equal(200, loopback);
        Assert.Equal("ok", body);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("localhost:5000")]
    [InlineData("localhost:")]
    [InlineData("[::1]")]
    [InlineData("[::1]:8080")]
    [InlineData("::1")]
    [InlineData("a:b:c")]
    [InlineData("x]y:80")]
    [InlineData("[::1")]
    [InlineData(":80")]
    [InlineData("bücher.example:443")]
    public void HostPart_AnyHeader_SameHostAsHostString(string header)
    {
        var host = new Microsoft.AspNetCore.Http.HostString(header);

        Assert.Equal(host.Host, AllowedHostList.HostPart(host).Value);
    }

    [Fact]
    public async Task McpEndpoint_RebindingHost_Refused()
    {
        await using var host = await MsilMcpTestHost.StartAsync(m => m.UseInMemoryAuditSink(), cancellationToken: Ct);

        var (status, _) = await RawGetAsync(host.BaseAddress, "/mcp", "attacker.example", origin: "http://attacker.example");

        Assert.Equal(400, status);
    }

    [Fact]
    public async Task Start_ProductionWithoutAllowedHosts_RefusedNamingTheKey()
    {
        var builder = WebApplication.CreateBuilder(["--environment", "Production", "--urls", "http://127.0.0.1:0"]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddMsilMcp();
        await using var app = builder.Build();
        app.MapMsilMcp("/mcp");

        var ex = await Assert.ThrowsAsync<MsilMcpConfigurationException>(() => app.StartAsync(Ct));

        Assert.Contains("AllowedHosts", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Production", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_ProductionWithExplicitList_OnlyListedHostsPass()
    {
        var builder = WebApplication.CreateBuilder(["--environment", "Production", "--urls", "http://127.0.0.1:0", "--AllowedHosts", "mcp.example.com"]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddMsilMcp();
        await using var app = builder.Build();
        app.MapMsilMcp("/mcp");
        app.MapGet("/plain", () => "ok");
        await app.StartAsync(Ct);
        var address = new Uri(app.Urls.First());

        var (listed, _) = await RawGetAsync(address, "/plain", "mcp.example.com", origin: null);
        var (loopback, _) = await RawGetAsync(address, "/plain", "127.0.0.1:" + address.Port, origin: null);

        Assert.Equal(200, listed);
        Assert.Equal(400, loopback);
        await app.StopAsync(Ct);
    }

    [Theory]
    [InlineData("Staging")]
    [InlineData("Production")]
    [InlineData("production-eu")]
    public async Task Start_AnonymousCallersOutsideDevelopment_RefusedNamingTheFix(string environment)
    {
        var builder = WebApplication.CreateBuilder(["--environment", environment, "--urls", "http://127.0.0.1:0", "--AllowedHosts", "127.0.0.1"]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddMsilMcp().AllowAnonymousCallers("suite", ["operator"]);
        await using var app = builder.Build();
        app.MapMsilMcp("/mcp");

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync(Ct));

        Assert.Contains("AllowAnonymousCallers()", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Development", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Sends a GET with a chosen Host header (HttpClient would derive it from the URL) and returns status and body.</summary>
    private static async Task<(int Status, string Body)> RawGetAsync(Uri server, string path, string hostHeader, string? origin)
    {
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        await client.ConnectAsync(IPAddress.Loopback, server.Port, timeout.Token);
        await using var stream = client.GetStream();
        var request = $"GET {path} HTTP/1.1\r\nHost: {hostHeader}\r\n{(origin is null ? string.Empty : "Origin: " + origin + "\r\n")}Accept: text/event-stream, application/json\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), timeout.Token);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(timeout.Token);
        var status = int.Parse(text.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        var body = text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        if (text.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            var lines = body.Split("\r\n");
            body = lines.Length > 1 ? lines[1] : body;
        }

        return (status, body);
    }
}
