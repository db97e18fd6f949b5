using System.Text.Json;
using ModelContextProtocol.Client;
using Msil.Mcp.RateLimiting;
using Msil.Mcp.Testing;

namespace Msil.Mcp.Elevation.Tests.Support;

/// <summary>
/// A real Kestrel host on a free loopback port (Msil.Mcp.Testing): the governed MCP server with elevation, the test
/// tools, an allow-all scripted policy, an in-memory audit sink and the test identity header.
/// </summary>
internal sealed class ElevationTestHost : IAsyncDisposable
{
    public const string ApproverRole = "pim-approver";

    private readonly MsilMcpTestHost _host;
    private readonly HttpClient _http;

    private ElevationTestHost(MsilMcpTestHost host)
    {
        _host = host;
        BaseUrl = host.BaseAddress.ToString().TrimEnd('/');
        _http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public string BaseUrl { get; }

    public IServiceProvider Services => _host.Services;

    public InMemoryAuditSink Audit => _host.Audit;

    public ScriptedToolExecutor Executor => Services.GetRequiredService<ScriptedToolExecutor>();

    public static async Task<ElevationTestHost> StartAsync(Action<ElevationOptions>? configure = null, TimeProvider? time = null, string environment = "Development", Action<IServiceCollection>? services = null)
    {
        var executor = new ScriptedToolExecutor();
        var host = await MsilMcpTestHost.StartAsync(
            mcp =>
            {
                mcp.UseScriptedPolicy(ScriptedPolicyDecisionPoint.AllowAll())
                    .UseInMemoryAuditSink()
                    .AddScriptedExecutor(executor)
                    .AddTools("test", TestTools.All)
                    .AddElevation(o =>
                    {
                        o.EnableDevelopmentApprovalPage = environment == "Development";
                        configure?.Invoke(o);
                    });

                // Elevation is under test here, not the core's rate limits (the race test makes 20 privileged calls at once).
                mcp.Services.Configure<RateLimitOptions>(o => o.Enabled = false);
                mcp.Services.AddSingleton(executor);
                if (time is not null)
                {
                    mcp.Services.AddSingleton(time);
                }

                services?.Invoke(mcp.Services);
            },
            o =>
            {
                o.EnvironmentName = environment;
                o.RequireAuthorization = false;
            },
            TestContext.Current.CancellationToken);
        return new ElevationTestHost(host);
    }

    public Task<McpClient> ConnectAsync(string user, params string[] roles)
        => _host.ConnectAsync(TestCaller.Create(user, roles), cancellationToken: TestContext.Current.CancellationToken);

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
            request.Headers.Add(TestAuthenticationDefaults.HeaderName, TestCaller.Create(user, roles).ToHeaderValue());
        }

        return _http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>Returns the principal key of a test caller of this host (no issuer, subject <c>sub-{user}</c>).</summary>
    public static string PrincipalOf(string user) => Msil.Mcp.Abstractions.CallerIdentity.KeyFor(null, "sub-" + user);

    /// <summary>Posts a grant as the approval system would.</summary>
    public async Task<HttpResponseMessage> GrantAsync(string user, string scope, DateTimeOffset expiresAt, string reference = "PIM-2026-000042", bool singleUse = false, object? arguments = null)
    {
        var body = new Dictionary<string, object?>
        {
            ["user_id"] = user,
            ["principal_key"] = PrincipalOf(user),
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
        await _host.DisposeAsync();
    }

}
