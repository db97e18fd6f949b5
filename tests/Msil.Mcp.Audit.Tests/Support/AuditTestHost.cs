using Msil.Mcp.Audit.Outbox;
using Msil.Mcp.Audit.PostgreSql;
using Msil.Mcp.Audit.S3;
using Msil.Mcp.Testing;

namespace Msil.Mcp.Audit.Tests.Support;

/// <summary>
/// A real Kestrel host on a free loopback port (Msil.Mcp.Testing) with <c>AddMsilMcp().AddAudit(…)</c>, mapped through
/// <c>MapMsilMcp</c>, callers named with roles through the test identity header. It runs in the Staging environment:
/// the audit package has no rule of its own per environment, and the test identity refuses Production.
/// </summary>
internal sealed class AuditTestHost : IAsyncDisposable
{
    private readonly MsilMcpTestHost _host;

    private AuditTestHost(MsilMcpTestHost host)
    {
        _host = host;
        BaseUrl = host.BaseAddress.ToString().TrimEnd('/');
        Http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public string BaseUrl { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => _host.Services;

    public FileAuditSink Sink => Services.GetRequiredService<FileAuditSink>();

    public OutboxShipper<PostgreSqlAuditTarget> PostgresShipper => Services.GetRequiredService<OutboxShipper<PostgreSqlAuditTarget>>();

    public OutboxShipper<S3AuditTarget> S3Shipper => Services.GetRequiredService<OutboxShipper<S3AuditTarget>>();

    public static async Task<AuditTestHost> StartAsync(string directory, Action<AuditOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var host = await MsilMcpTestHost.StartAsync(
            mcp =>
            {
                mcp.AddAudit(o =>
                {
                    o.Directory = directory;
                    o.RetryDelay = TimeSpan.FromMilliseconds(100);
                    o.MaxRetryDelay = TimeSpan.FromMilliseconds(500);
                    configure?.Invoke(o);
                });
                services?.Invoke(mcp.Services);
            },
            o =>
            {
                o.EnvironmentName = "Staging";
                o.RequireAuthorization = false;
            },
            TestContext.Current.CancellationToken);
        return new AuditTestHost(host);
    }

    public Task<ModelContextProtocol.Client.McpClient> ConnectAsync(string user, params string[] roles)
        => _host.ConnectAsync(TestCaller.Create(user, roles), cancellationToken: TestContext.Current.CancellationToken);

    public Task<HttpResponseMessage> GetAsync(string path, string? user, params string[] roles)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (user is not null)
        {
            request.Headers.Add(TestAuthenticationDefaults.HeaderName, TestCaller.Create(user, roles).ToHeaderValue());
        }

        return Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>Waits until every record written so far has reached the enabled targets.</summary>
    public Task ShippedAsync(TimeSpan within, bool postgres = true, bool s3 = true)
        => Eventually.TrueAsync(
            () => (!postgres || PostgresShipper.ShippedSequence == Sink.LastSequence) && (!s3 || S3Shipper.ShippedSequence == Sink.LastSequence),
            within,
            $"shipping caught up with record {Sink.LastSequence} (postgresql at {PostgresShipper.ShippedSequence}, s3 at {S3Shipper.ShippedSequence})");

    public Task StopAsync() => _host.StopAsync(CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _host.DisposeAsync();
    }

}
