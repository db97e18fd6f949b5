using System.Text;
using System.Text.Json;
using ModelContextProtocol.Client;
using Msil.Mcp.Abstractions;
using Msil.Mcp.RateLimiting;
using Msil.Mcp.Testing;

namespace Msil.Mcp.Registry.Tests.Support;

/// <summary>
/// A real Kestrel host on a free loopback port (Msil.Mcp.Testing) with the tool registry, an allow-all scripted policy,
/// an in-memory audit sink, a scripted executor of kind <c>http</c> that records the invocations it is given, and the
/// test identity header.
/// </summary>
internal sealed class RegistryTestHost : IAsyncDisposable
{
    public const string Admin = "admin";

    private readonly MsilMcpTestHost _host;
    private readonly HttpClient _http;
    private readonly string? _ownedDirectory;

    private RegistryTestHost(MsilMcpTestHost host, string? ownedDirectory)
    {
        _host = host;
        BaseUrl = host.BaseAddress.ToString().TrimEnd('/');
        _ownedDirectory = ownedDirectory;
        _http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public string BaseUrl { get; }

    public IServiceProvider Services => _host.Services;

    public InMemoryAuditSink Audit => _host.Audit;

    public ScriptedToolExecutor Executor => Services.GetRequiredService<ScriptedToolExecutor>();

    public IToolCatalog Catalog => Services.GetRequiredService<IToolCatalog>();

    public static async Task<RegistryTestHost> StartAsync(Action<ToolRegistryOptions>? configure = null, Action<MsilMcpOptions>? core = null, Action<IServiceCollection>? services = null, Action<IMsilMcpBuilder>? features = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "msil-registry-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var executor = new ScriptedToolExecutor("http");
        var host = await MsilMcpTestHost.StartAsync(
            mcp =>
            {
                mcp.UseScriptedPolicy(ScriptedPolicyDecisionPoint.AllowAll())
                    .UseInMemoryAuditSink()
                    .AddScriptedExecutor(executor)
                    .AddToolRegistry(o =>
                    {
                        // Most tests import privileged tools as one admin; the four-eyes tests turn this back on.
                        o.RequireSecondApproval = false;
                        configure?.Invoke(o);
                    });
                mcp.Services.Configure<MsilMcpOptions>(o => core?.Invoke(o));
                mcp.Services.Configure<RateLimitOptions>(o => o.Enabled = false);
                mcp.Services.AddSingleton(executor);
                services?.Invoke(mcp.Services);
                features?.Invoke(mcp);
            },
            o =>
            {
                o.ContentRootPath = directory;
                o.RequireAuthorization = false;
            },
            TestContext.Current.CancellationToken);
        return new RegistryTestHost(host, directory);
    }

    public Task<McpClient> ConnectAsync(string user, params string[] roles)
        => _host.ConnectAsync(TestCaller.Create(user, roles), cancellationToken: TestContext.Current.CancellationToken);

    /// <summary>Posts a document to the import endpoint as an admin (or as <paramref name="user"/>).</summary>
    public Task<HttpResponseMessage> ImportAsync(string document, string source = "dealers", bool dryRun = false, string user = "alice", string role = Admin, string contentType = "application/yaml")
        => SendAsync(HttpMethod.Post, $"/api/mcp/tools/import?source={source}{(dryRun ? "&dryRun=true" : string.Empty)}", new StringContent(document, Encoding.UTF8, contentType), user, role);

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content = null, string? user = "alice", params string[] roles)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (user is not null)
        {
            request.Headers.Add(TestAuthenticationDefaults.HeaderName, TestCaller.Create(user, roles).ToHeaderValue());
        }

        return _http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public Task<HttpResponseMessage> GetAsync(string path, string user = "bob", params string[] roles) => SendAsync(HttpMethod.Get, path, null, user, roles);

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_ownedDirectory is not null && Directory.Exists(_ownedDirectory))
        {
            try
            {
                Directory.Delete(_ownedDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

}
