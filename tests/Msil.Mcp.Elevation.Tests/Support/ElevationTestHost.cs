using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Client;
using Msil.Mcp.Abstractions;
using Msil.Mcp.RateLimiting;

namespace Msil.Mcp.Elevation.Tests.Support;

/// <summary>
/// A real Kestrel host on a free loopback port: the governed MCP server with elevation, the test tools, an allow-all
/// policy, a recording audit sink and a test authentication scheme that takes the caller from an
/// <c>X-Test-User: name|role1,role2</c> header.
/// </summary>
internal sealed class ElevationTestHost : IAsyncDisposable
{
    public const string ApproverRole = "pim-approver";

    private readonly WebApplication _app;
    private readonly HttpClient _http;

    private ElevationTestHost(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
        _http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
    }

    public string BaseUrl { get; }

    public IServiceProvider Services => _app.Services;

    public RecordingAuditSink Audit => Services.GetRequiredService<RecordingAuditSink>();

    public CountingExecutor Executor => Services.GetRequiredService<CountingExecutor>();

    public static async Task<ElevationTestHost> StartAsync(Action<ElevationOptions>? configure = null, TimeProvider? time = null, string environment = "Development", Action<IServiceCollection>? services = null)
    {
        var baseUrl = $"http://127.0.0.1:{FreePort()}";
        var builder = WebApplication.CreateBuilder(["--environment", environment]);
        builder.WebHost.UseUrls(baseUrl);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddAuthentication("Test").AddScheme<AuthenticationSchemeOptions, HeaderAuthHandler>("Test", null);
        builder.Services.AddAuthorization();
        builder.Services.AddSingleton<RecordingAuditSink>();
        builder.Services.AddSingleton<CountingExecutor>();
        var mcp = builder.Services.AddMsilMcp();

        // Elevation is under test here, not the core's rate limits (the race test makes 20 privileged calls at once).
        builder.Services.Configure<RateLimitOptions>(o => o.Enabled = false);
        mcp.UsePolicyDecisionPoint<AllowAllPolicy>();
        mcp.AddTools("test", TestTools.All);
        mcp.AddElevation(o =>
        {
            o.EnableDevelopmentApprovalPage = environment == "Development";
            configure?.Invoke(o);
        });
        builder.Services.RemoveAll<IAuditSink>();
        builder.Services.AddSingleton<IAuditSink>(sp => sp.GetRequiredService<RecordingAuditSink>());
        builder.Services.AddSingleton<IToolExecutor>(sp => sp.GetRequiredService<CountingExecutor>());
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapMsilMcp("/mcp");
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new ElevationTestHost(app, baseUrl);
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

    public Task<HttpResponseMessage> PostJsonAsync(string path, object body, string? user, params string[] roles)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = body is string text ? new StringContent(text, System.Text.Encoding.UTF8, "application/json") : JsonContent.Create(body),
        };
        return SendAsync(request, user, roles);
    }

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string? user, params string[] roles)
    {
        if (user is not null)
        {
            request.Headers.Add("X-Test-User", user + "|" + string.Join(',', roles));
        }

        return _http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>Posts a grant as the approval system would.</summary>
    public async Task<HttpResponseMessage> GrantAsync(string user, string scope, DateTimeOffset expiresAt, string reference = "PIM-2026-000042", bool singleUse = false, object? arguments = null)
    {
        var body = new Dictionary<string, object?>
        {
            ["user_id"] = user,
            ["scope"] = scope,
            ["approval_reference"] = reference,
            ["expires_at"] = expiresAt.ToString("O"),
            ["single_use"] = singleUse,
        };
        if (arguments is not null)
        {
            body["arguments"] = arguments;
        }

        return await PostJsonAsync("/api/pim/grants", body, "pim-system", ApproverRole);
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return document.RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
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
