using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Msil.Mcp.Audit.Outbox;
using Msil.Mcp.Audit.PostgreSql;
using Msil.Mcp.Audit.S3;

namespace Msil.Mcp.Audit.Tests.Support;

/// <summary>
/// A real Kestrel host on a free loopback port with <c>AddMsilMcp().AddAudit(…)</c>, mapped through
/// <c>MapMsilMcp</c>, and a test authentication scheme that takes the caller from <c>X-Test-User: name|role1,role2</c>.
/// </summary>
internal sealed class AuditTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private AuditTestHost(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
        Http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
    }

    public string BaseUrl { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    public FileAuditSink Sink => Services.GetRequiredService<FileAuditSink>();

    public OutboxShipper<PostgreSqlAuditTarget> PostgresShipper => Services.GetRequiredService<OutboxShipper<PostgreSqlAuditTarget>>();

    public OutboxShipper<S3AuditTarget> S3Shipper => Services.GetRequiredService<OutboxShipper<S3AuditTarget>>();

    public static async Task<AuditTestHost> StartAsync(string directory, Action<AuditOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var baseUrl = $"http://127.0.0.1:{FreePort()}";
        var builder = WebApplication.CreateBuilder(["--environment", "Production"]);
        builder.WebHost.UseUrls(baseUrl);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddAuthentication("Test").AddScheme<AuthenticationSchemeOptions, HeaderAuthHandler>("Test", null);
        builder.Services.AddAuthorization();
        builder.Services.AddMsilMcp().AddAudit(o =>
        {
            o.Directory = directory;
            o.RetryDelay = TimeSpan.FromMilliseconds(100);
            o.MaxRetryDelay = TimeSpan.FromMilliseconds(500);
            configure?.Invoke(o);
        });
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapMsilMcp("/mcp");
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new AuditTestHost(app, baseUrl);
    }

    public Task<HttpResponseMessage> GetAsync(string path, string? user, params string[] roles)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (user is not null)
        {
            request.Headers.Add("X-Test-User", user + "|" + string.Join(',', roles));
        }

        return Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>Waits until every record written so far has reached the enabled targets.</summary>
    public Task ShippedAsync(TimeSpan within, bool postgres = true, bool s3 = true)
        => Eventually.TrueAsync(
            () => (!postgres || PostgresShipper.ShippedSequence == Sink.LastSequence) && (!s3 || S3Shipper.ShippedSequence == Sink.LastSequence),
            within,
            $"shipping caught up with record {Sink.LastSequence} (postgresql at {PostgresShipper.ShippedSequence}, s3 at {S3Shipper.ShippedSequence})");

    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Http.Dispose();
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
