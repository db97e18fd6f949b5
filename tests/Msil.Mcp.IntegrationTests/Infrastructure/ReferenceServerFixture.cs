using System.Text.Json;
using ModelContextProtocol.Client;
using Msil.Mcp.ReferenceServer;

namespace Msil.Mcp.IntegrationTests.Infrastructure;

/// <summary>The real reference server on a free loopback port, in Development with its embedded defaults.</summary>
public sealed class ReferenceServerFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public string BaseUrl { get; private set; } = string.Empty;

    public string AuditDirectory { get; } = Path.Combine(Path.GetTempPath(), "msil-mcp-it-audit-" + Guid.NewGuid().ToString("N")[..8]);

    public IServiceProvider Services => _app!.Services;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public async ValueTask InitializeAsync()
    {
        // The server must know its URL before it starts (the development issuer names it), so the port is picked first;
        // another one is tried when a parallel test project took it in between.
        for (var attempt = 1; ; attempt++)
        {
            BaseUrl = $"http://127.0.0.1:{Msil.Mcp.Testing.LoopbackPorts.Free()}";
            _app = ReferenceServerApp.Create(
            [
                "--urls", BaseUrl,
                "--environment", "Development",
                "--Msil:Mcp:Audit:Directory", AuditDirectory,
                "--Logging:LogLevel:Default", "Warning",
            ]);
            try
            {
                await _app.StartAsync();
                return;
            }
            catch (IOException ex) when (attempt < 5 && ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                await _app.DisposeAsync();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        try
        {
            Directory.Delete(AuditDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    /// <summary>
    /// Reads <c>/metrics</c> as an operator (carol, admin) until the scrape holds every one of <paramref name="expected"/> (at most 10 s) and returns the
    /// last scrape. The Prometheus exporter answers from a cache for 300 ms, so a scrape right after another test's
    /// can predate this test's calls.
    /// </summary>
    public async Task<string> ScrapeMetricsAsync(params string[] expected)
    {
        var text = string.Empty;
        var token = await GetTokenAsync("carol"); // /metrics is for operators (the admin role)
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, BaseUrl + "/metrics");
            request.Headers.Authorization = new("Bearer", token);
            using var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
            response.EnsureSuccessStatusCode();
            text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            if (expected.All(e => text.Contains(e, StringComparison.Ordinal)) || waited.Elapsed > TimeSpan.FromSeconds(10))
            {
                return text;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    public async Task<string> GetTokenAsync(string username)
    {
        using var response = await Http.PostAsync($"{BaseUrl}/dev/oidc/token", new FormUrlEncodedContent([new("username", username)]));
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("access_token").GetString()!;
    }

    public async Task<McpClient> ConnectAsync(string username)
    {
        var token = await GetTokenAsync(username);
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri($"{BaseUrl}/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token },
        });
        return await McpClient.CreateAsync(transport, cancellationToken: TestContext.Current.CancellationToken);
    }

}

[CollectionDefinition(Name)]
public sealed class ReferenceServerGroup : ICollectionFixture<ReferenceServerFixture>
{
    public const string Name = "reference-server";
}
