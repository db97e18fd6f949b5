using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Msil.Mcp.Policy.Opa.Tests.Infrastructure;

/// <summary>
/// A stand-in for OPA's REST Data API on a loopback port (Kestrel): <c>POST /…/v1/data/{path}</c> answers whatever the
/// test scripts, and records each request's path and body.
/// </summary>
internal sealed class FakeOpaServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<(string Path, string Body)> _requests = [];

    private FakeOpaServer(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    /// <summary>Gets or sets the answer; by default OPA's answer for an allow.</summary>
    public Func<HttpContext, Task> Respond { get; set; } = context => Json(context, """{"result":{"allow":true,"reason":"allowed by the fake"}}""");

    /// <summary>Gets or sets the status of <c>GET /health</c>; 200 by default.</summary>
    public int HealthStatus { get; set; } = 200;

    /// <summary>Completes when a request has arrived (reset by <see cref="ExpectRequest"/>).</summary>
    public TaskCompletionSource RequestArrived { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<(string Path, string Body)> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<FakeOpaServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FakeOpaServer? server = null;
        app.MapPost("/{**path}", async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            lock (server!._requests)
            {
                server._requests.Add((context.Request.Path.Value ?? string.Empty, body));
            }

            server.RequestArrived.TrySetResult();
            await server.Respond(context);
        });
        app.MapGet("/health", context => Json(context, "{}", server!.HealthStatus));
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new FakeOpaServer(app, new Uri(address));
        return server;
    }

    public static Task Json(HttpContext context, string body, int status = 200)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body, context.RequestAborted);
    }

    /// <summary>Never answers within the test (until the client gives up or the server stops; bounded at 30 s).</summary>
    public static async Task Hang(HttpContext context)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void ExpectRequest() => RequestArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Returns a loopback endpoint where nothing listens (connection refused).</summary>
    public static Uri UnusedEndpoint()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
