using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using ModelContextProtocol.Client;
using Msil.Mcp.IntegrationTests.Infrastructure;
using Msil.Mcp.ReferenceServer;

namespace Msil.Mcp.IntegrationTests.Operations;

/// <summary>Issue 11 on the reference server: metrics, health, and logs that never carry a token.</summary>
[Collection(ReferenceServerGroup.Name)]
[Trait("Category", "EndToEnd")]
public sealed class OperationsTests(ReferenceServerFixture server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Metrics_AfterACall_PrometheusExposesToolExecutionsAndAuthFailures()
    {
        await using (var client = await server.ConnectAsync("bob"))
        {
            await client.CallToolAsync("get_vehicle_inventory", new Dictionary<string, object?>(), cancellationToken: Ct);
        }

        using (var forged = new HttpRequestMessage(HttpMethod.Post, server.BaseUrl + "/mcp"))
        {
            forged.Headers.Authorization = new("Bearer", "not.a.token");
            using var refused = await server.Http.SendAsync(forged, Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        var text = await server.ScrapeMetricsAsync("mcp_tool_name=\"get_vehicle_inventory\"", "msil_mcp_auth_failures", "msil_mcp_policy_decisions");

        Assert.Contains("msil_mcp_tool_executions", text, StringComparison.Ordinal);
        Assert.Contains("mcp_tool_name=\"get_vehicle_inventory\"", text, StringComparison.Ordinal);
        Assert.Contains("msil_mcp_auth_failures", text, StringComparison.Ordinal);
        Assert.Contains("msil_mcp_policy_decisions", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_ReadyAndLive_ReportEachDependencyToOperatorsOnly()
    {
        using var live = await server.Http.GetAsync(server.BaseUrl + "/health/live", Ct);
        using var anonymous = await server.Http.GetAsync(server.BaseUrl + "/health/ready", Ct);
        using var request = new HttpRequestMessage(HttpMethod.Get, server.BaseUrl + "/health/ready");
        request.Headers.Authorization = new("Bearer", await server.GetTokenAsync("carol"));
        using var ready = await server.Http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
        Assert.Equal("""{"status":"healthy"}""", await anonymous.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        var checks = body.GetProperty("checks");
        Assert.Equal("healthy", checks.GetProperty("msil-catalog").GetProperty("status").GetString());
        Assert.Contains("6 tools", checks.GetProperty("msil-catalog").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("healthy", checks.GetProperty("msil-auth-issuers").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Metrics_AnonymousOrNotAnOperator_Refused()
    {
        using var anonymous = await server.Http.GetAsync(server.BaseUrl + "/metrics", Ct);
        using var request = new HttpRequestMessage(HttpMethod.Get, server.BaseUrl + "/metrics");
        request.Headers.Authorization = new("Bearer", await server.GetTokenAsync("alice"));
        using var viewer = await server.Http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, viewer.StatusCode);
    }
}

/// <summary>A token fed through whole calls, at the most verbose log level, appears in no log line.</summary>
[Trait("Category", "EndToEnd")]
public sealed class NoSecretsInLogsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Logs_AtTraceLevel_NeverContainTheCallersToken()
    {
        var lines = new ConcurrentQueue<string>();
        var audit = Path.Combine(Path.GetTempPath(), "msil-mcp-logs-" + Guid.NewGuid().ToString("N")[..8]);
        var url = $"http://127.0.0.1:{Msil.Mcp.Testing.LoopbackPorts.Free()}";
        var app = ReferenceServerApp.Create(
            ["--urls", url, "--environment", "Development", "--Msil:Mcp:Audit:Directory", audit],
            b =>
            {
                b.Logging.ClearProviders();
                b.Logging.SetMinimumLevel(LogLevel.Trace);
                b.Logging.AddFilter(_ => true);
                b.Logging.AddProvider(new CapturingProvider(lines));
            });
        await app.StartAsync(Ct);
        try
        {
            using var http = new HttpClient();
            using var tokenResponse = await http.PostAsync(url + "/dev/oidc/token", new FormUrlEncodedContent([new("username", "carol")]), Ct);
            var token = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("access_token").GetString()!;
            var transport = new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = new Uri(url + "/mcp"),
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token },
            });
            await using (var client = await McpClient.CreateAsync(transport, cancellationToken: Ct))
            {
                await client.ListToolsAsync(cancellationToken: Ct);
                await client.CallToolAsync("get_dealer_enquiries", new Dictionary<string, object?> { ["id"] = "DL001" }, cancellationToken: Ct);
                await client.CallToolAsync("create_booking", new Dictionary<string, object?> { ["customer_id"] = "C001", ["vehicle_id"] = "V003", ["dealer_id"] = "DL001" }, cancellationToken: Ct);
                await Assert.ThrowsAnyAsync<Exception>(() => client.CallToolAsync("delete_customer_data", new Dictionary<string, object?> { ["id"] = "C002" }, cancellationToken: Ct).AsTask());
            }

            Assert.True(lines.Count > 20, $"expected verbose logging, got {lines.Count} lines");
            var signature = token.Split('.')[2];
            Assert.DoesNotContain(lines, l => l.Contains(token, StringComparison.Ordinal) || l.Contains(signature, StringComparison.Ordinal));
        }
        finally
        {
            await app.StopAsync(Ct);
            await app.DisposeAsync();
            try
            {
                Directory.Delete(audit, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
        }
    }


    private sealed class CapturingProvider(ConcurrentQueue<string> lines) : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, lines, () => _scopes);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines, Func<IExternalScopeProvider> scopes) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => scopes().Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var scopeText = new System.Text.StringBuilder();
                scopes().ForEachScope((scope, sb) => sb.Append(" | ").Append(scope), scopeText);
                lines.Enqueue($"{category} {eventId} {formatter(state, exception)} {state} {exception}{scopeText}");
            }
        }
    }
}
