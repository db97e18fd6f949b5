using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Client;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Tests.Hosting;

/// <summary>
/// A real Kestrel host on a loopback port with the governed server and a test authentication scheme that takes the
/// caller from an <c>X-Test-User: name|role1,role2</c> header (so pipeline tests do not depend on the Auth package).
/// </summary>
internal sealed class TestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestHost(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<TestHost> StartAsync(Action<IMsilMcpBuilder>? configure = null, Action<MsilMcpOptions>? options = null)
    {
        var baseUrl = $"http://127.0.0.1:{FreePort()}";
        var builder = WebApplication.CreateBuilder(["--environment", "Development"]);
        builder.WebHost.UseUrls(baseUrl);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddAuthentication("Test").AddScheme<AuthenticationSchemeOptions, HeaderAuthHandler>("Test", null);
        builder.Services.AddAuthorization();
        var mcp = builder.Services.AddMsilMcp(options);
        configure?.Invoke(mcp);
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapMsilMcp("/mcp");
        await app.StartAsync();
        return new TestHost(app, baseUrl);
    }

    public Task<McpClient> ConnectAsync(string? user = null, params string[] roles) => ConnectAsync(null, user, roles);

    public Task<McpClient> ConnectAsync(McpClientOptions? clientOptions, string? user, params string[] roles)
    {
        var headers = new Dictionary<string, string>();
        if (user is not null)
        {
            headers["X-Test-User"] = user + "|" + string.Join(',', roles);
        }

        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(BaseUrl + "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = headers,
        });
        return McpClient.CreateAsync(transport, clientOptions, cancellationToken: TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
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
            foreach (var role in parts.ElementAtOrDefault(1)?.Split(',', StringSplitOptions.RemoveEmptyEntries) ?? [])
            {
                claims.Add(new Claim("roles", role));
            }

            var identity = new ClaimsIdentity(claims, "Test", "preferred_username", "roles");
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), "Test")));
        }
    }
}

/// <summary>Tool definitions and recording fakes for pipeline tests.</summary>
internal static class Tools
{
    public static ToolDefinition Define(string name, RiskLevel risk, string schema = """{"type":"object","properties":{"id":{"type":"string"}},"additionalProperties":false}""") => new()
    {
        Name = name,
        Description = "Test tool " + name,
        RiskLevel = risk,
        InputSchema = JsonDocument.Parse(schema).RootElement.Clone(),
        Executor = RecordingExecutor.ExecutorKind,
        Source = "test",
        ContentHash = name + "-" + risk + "-" + schema.GetHashCode(StringComparison.Ordinal),
    };
}

/// <summary>Records the order in which stages ran.</summary>
internal sealed class StageLog
{
    private readonly List<string> _entries = [];

    public IReadOnlyList<string> Entries
    {
        get
        {
            lock (_entries)
            {
                return _entries.ToArray();
            }
        }
    }

    public void Add(string entry)
    {
        lock (_entries)
        {
            _entries.Add(entry);
        }
    }
}

internal sealed class RecordingExecutor(StageLog log) : IToolExecutor
{
    public const string ExecutorKind = "test";

    public string Kind => ExecutorKind;

    public string ResultText { get; set; } = """{"ok":true}""";

    public ValueTask<ToolResult> ExecuteAsync(ToolInvocation invocation, CancellationToken cancellationToken)
    {
        log.Add("execute:" + invocation.Tool.Name);
        return new(new ToolResult
        {
            Text = ResultText,
            StructuredContent = ResultText.StartsWith('{') ? JsonDocument.Parse(ResultText).RootElement.Clone() : null,
            Size = ResultText.Length,
        });
    }
}

internal sealed class RecordingPolicy(StageLog log) : IPolicyDecisionPoint
{
    public Func<PolicyRequest, PolicyDecision> Decide { get; set; } = _ => PolicyDecision.Allowed("test allows", "test");

    public ValueTask<PolicyDecision> EvaluateAsync(PolicyRequest request, CancellationToken cancellationToken)
    {
        if (request.Action == PolicyAction.Execute)
        {
            log.Add("policy:" + request.Tool.Name);
        }

        return new(Decide(request));
    }
}

internal sealed class RecordingElevation(StageLog log) : IElevationGate
{
    public Func<ElevationCheck>? Result { get; set; }

    public ValueTask<ElevationCheck> CheckAsync(CallerIdentity caller, ToolDefinition tool, IReadOnlyDictionary<string, JsonElement> arguments, string correlationId, CancellationToken cancellationToken)
    {
        log.Add("elevation:" + tool.Name);
        return new(Result?.Invoke() ?? new ElevationCheck(ElevationOutcome.Granted, "granted", tool.Name, new ElevationGrant
        {
            UserId = caller.UserId,
            Scope = tool.Name,
            GrantedAt = DateTimeOffset.MinValue,
            ExpiresAt = DateTimeOffset.MaxValue,
            ApprovalReference = "PIM-TEST-1",
        }));
    }
}

internal sealed class RecordingAudit(StageLog log) : IAuditSink
{
    private readonly List<AuditRecord> _records = [];

    public IReadOnlyList<AuditRecord> Records
    {
        get
        {
            lock (_records)
            {
                return _records.ToArray();
            }
        }
    }

    public ValueTask WriteAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        log.Add("audit:" + record.Outcome);
        lock (_records)
        {
            _records.Add(record);
        }

        return ValueTask.CompletedTask;
    }
}
