using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Client;
using Msil.Mcp.Abstractions;
using Msil.Mcp.RateLimiting;

namespace Msil.Mcp.Registry.Tests.Support;

/// <summary>
/// A real Kestrel host on a free loopback port with the tool registry, an allow-all policy, a recording audit sink, an
/// executor of kind <c>http</c> that records the arguments it is given, and a test authentication scheme that takes the
/// caller from an <c>X-Test-User: name|role1,role2</c> header.
/// </summary>
internal sealed class RegistryTestHost : IAsyncDisposable
{
    public const string Admin = "admin";

    private readonly WebApplication _app;
    private readonly HttpClient _http;
    private readonly string? _ownedDirectory;

    private RegistryTestHost(WebApplication app, string baseUrl, string? ownedDirectory)
    {
        _app = app;
        BaseUrl = baseUrl;
        _ownedDirectory = ownedDirectory;
        _http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
    }

    public string BaseUrl { get; }

    public IServiceProvider Services => _app.Services;

    public RecordingAuditSink Audit => Services.GetRequiredService<RecordingAuditSink>();

    public RecordingExecutor Executor => Services.GetRequiredService<RecordingExecutor>();

    public IToolCatalog Catalog => Services.GetRequiredService<IToolCatalog>();

    public static async Task<RegistryTestHost> StartAsync(Action<ToolRegistryOptions>? configure = null, Action<MsilMcpOptions>? core = null, Action<IServiceCollection>? services = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "msil-registry-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var baseUrl = $"http://127.0.0.1:{FreePort()}";
        var builder = WebApplication.CreateBuilder(["--environment", "Development", "--contentRoot", directory]);
        builder.WebHost.UseUrls(baseUrl);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddAuthentication("Test").AddScheme<AuthenticationSchemeOptions, HeaderAuthHandler>("Test", null);
        builder.Services.AddAuthorization();
        builder.Services.AddSingleton<RecordingAuditSink>();
        builder.Services.AddSingleton<RecordingExecutor>();
        var mcp = builder.Services.AddMsilMcp(o => core?.Invoke(o));
        builder.Services.Configure<RateLimitOptions>(o => o.Enabled = false);
        mcp.UsePolicyDecisionPoint<AllowAllPolicy>();
        mcp.AddToolRegistry(o => configure?.Invoke(o));
        builder.Services.RemoveAll<IAuditSink>();
        builder.Services.AddSingleton<IAuditSink>(sp => sp.GetRequiredService<RecordingAuditSink>());
        builder.Services.AddSingleton<IToolExecutor>(sp => sp.GetRequiredService<RecordingExecutor>());
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapMsilMcp("/mcp");
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new RegistryTestHost(app, baseUrl, directory);
    }

    public Task<McpClient> ConnectAsync(string user, params string[] roles)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(BaseUrl + "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["X-Test-User"] = user + "|" + string.Join(',', roles) },
        });
        return McpClient.CreateAsync(transport, cancellationToken: TestContext.Current.CancellationToken);
    }

    /// <summary>Posts a document to the import endpoint as an admin (or as <paramref name="user"/>).</summary>
    public Task<HttpResponseMessage> ImportAsync(string document, string source = "dealers", bool dryRun = false, string user = "alice", string role = Admin, string contentType = "application/yaml")
        => SendAsync(HttpMethod.Post, $"/api/mcp/tools/import?source={source}{(dryRun ? "&dryRun=true" : string.Empty)}", new StringContent(document, Encoding.UTF8, contentType), user, role);

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content = null, string? user = "alice", params string[] roles)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (user is not null)
        {
            request.Headers.Add("X-Test-User", user + "|" + string.Join(',', roles));
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
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
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

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class HeaderAuthHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var header = Request.Headers["X-Test-User"].ToString();
            if (header.Length == 0)
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var parts = header.Split('|');
            var claims = new List<Claim> { new("sub", "sub-" + parts[0]), new("preferred_username", parts[0]) };
            foreach (var role in parts.ElementAtOrDefault(1)?.Split(',', StringSplitOptions.RemoveEmptyEntries) ?? [])
            {
                claims.Add(new Claim("roles", role));
            }

            var identity = new ClaimsIdentity(claims, "Test", "preferred_username", "roles");
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), "Test")));
        }
    }
}

/// <summary>Runs every <c>http</c> tool by recording its arguments.</summary>
internal sealed class RecordingExecutor : IToolExecutor
{
    public ConcurrentQueue<ToolInvocation> Calls { get; } = new();

    public string Kind => "http";

    public ValueTask<ToolResult> ExecuteAsync(ToolInvocation invocation, CancellationToken cancellationToken)
    {
        Calls.Enqueue(invocation);
        return new(new ToolResult { Text = "{\"ok\":true}", Size = 11 });
    }
}

/// <summary>Allows every call.</summary>
internal sealed class AllowAllPolicy : IPolicyDecisionPoint
{
    public ValueTask<PolicyDecision> EvaluateAsync(PolicyRequest request, CancellationToken cancellationToken)
        => new(PolicyDecision.Allowed("test allows everything", "test"));
}

/// <summary>Keeps every audit record in memory.</summary>
internal sealed class RecordingAuditSink : IAuditSink
{
    private readonly ConcurrentQueue<AuditRecord> _records = new();

    public IReadOnlyList<AuditRecord> WithAction(string action) => _records.Where(r => r.Action == action).ToArray();

    public ValueTask WriteAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        _records.Enqueue(record);
        return ValueTask.CompletedTask;
    }
}
