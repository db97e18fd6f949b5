using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Client;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Policy.Opa.Tests.Infrastructure;

/// <summary>
/// A real host on a free loopback port: AddMsilMcp().AddOpaPolicy(…), tools added in code with a recording executor and
/// audit sink, and a test authentication scheme that takes the caller from <c>X-Test-User: name|role1,role2|group1</c>.
/// </summary>
internal sealed class PolicyTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private PolicyTestHost(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public IServiceProvider Services => _app.Services;

    public RecordingAuditSink Audit => _app.Services.GetRequiredService<RecordingAuditSink>();

    public static async Task<PolicyTestHost> StartAsync(Action<OpaPolicyOptions> policy, TimeProvider time, params ToolDefinition[] tools)
    {
        var baseUrl = $"http://127.0.0.1:{FreePort()}";
        var builder = WebApplication.CreateBuilder(["--environment", "Development"]);
        builder.WebHost.UseUrls(baseUrl);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton<RecordingAuditSink>();
        builder.Services.AddAuthentication("Test").AddScheme<AuthenticationSchemeOptions, HeaderAuthHandler>("Test", null);
        builder.Services.AddAuthorization();
        builder.Services.AddMsilMcp()
            .AddOpaPolicy(policy)
            .UseAuditSink<RecordingAuditSinkAdapter>()
            .AddToolExecutor<EchoExecutor>()
            .AddTools("test", tools);
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapMsilMcp("/mcp").RequireAuthorization();
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new PolicyTestHost(app, baseUrl);
    }

    public Task<McpClient> ConnectAsync(string user, string[] roles, string[]? groups = null)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(BaseUrl + "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["X-Test-User"] = $"{user}|{string.Join(',', roles)}|{string.Join(',', groups ?? [])}" },
        });
        return McpClient.CreateAsync(transport, cancellationToken: TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    private static int FreePort()
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
            claims.AddRange(parts.ElementAtOrDefault(1)?.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(r => new Claim("roles", r)) ?? []);
            claims.AddRange(parts.ElementAtOrDefault(2)?.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(g => new Claim("groups", g)) ?? []);
            var identity = new ClaimsIdentity(claims, "Test", "preferred_username", "roles");
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), "Test")));
        }
    }
}

/// <summary>Runs every test tool by answering <c>{"ok":true}</c>.</summary>
internal sealed class EchoExecutor : IToolExecutor
{
    public string Kind => "test";

    public ValueTask<ToolResult> ExecuteAsync(ToolInvocation invocation, CancellationToken cancellationToken)
        => new(new ToolResult { Text = """{"ok":true}""", Size = 11 });
}

/// <summary>Keeps the audit records the host writes.</summary>
internal sealed class RecordingAuditSink
{
    private readonly List<AuditRecord> _records = [];

    public IReadOnlyList<AuditRecord> Records
    {
        get
        {
            lock (_records)
            {
                return [.. _records];
            }
        }
    }

    public void Add(AuditRecord record)
    {
        lock (_records)
        {
            _records.Add(record);
        }
    }
}

internal sealed class RecordingAuditSinkAdapter(RecordingAuditSink sink) : IAuditSink
{
    public ValueTask WriteAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        sink.Add(record);
        return ValueTask.CompletedTask;
    }
}
