using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Client;

namespace Msil.Mcp.Generators.Tests.Runtime;

/// <summary>
/// A real Kestrel host on a loopback port with the governed server, the embedded OPA policy and the generated order
/// tools; the caller comes from an <c>X-Test-User: name|role1,role2</c> header.
/// </summary>
internal sealed class RuntimeHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RuntimeHost(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public static async Task<RuntimeHost> StartAsync()
    {
        var baseUrl = $"http://127.0.0.1:{FreePort()}";
        var builder = WebApplication.CreateBuilder(["--environment", "Development"]);
        builder.WebHost.UseUrls(baseUrl);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddAuthentication("Test").AddScheme<AuthenticationSchemeOptions, HeaderAuthHandler>("Test", null);
        builder.Services.AddAuthorization();
        builder.Services.AddSingleton<IOrderStore, InMemoryOrderStore>();
        builder.Services.AddMsilMcp().AddOpaPolicy().AddOrderTools();
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapMsilMcp("/mcp");
        await app.StartAsync();
        return new RuntimeHost(app, baseUrl);
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
