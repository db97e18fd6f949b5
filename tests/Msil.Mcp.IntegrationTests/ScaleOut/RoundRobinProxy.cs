using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Msil.Mcp.IntegrationTests.ScaleOut;

/// <summary>
/// A round-robin reverse proxy on loopback, as a load balancer without sticky sessions: each request goes to the next
/// backend, whatever came before. Request and response bodies are streamed (SSE answers reach the client as they come).
/// </summary>
public sealed class RoundRobinProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE", "Trailer", "Host",
    };

    private readonly WebApplication _app;
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, ActivityHeadersPropagator = null }) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly IReadOnlyList<string> _backends;
    private int _next = -1;

    private RoundRobinProxy(WebApplication app, IReadOnlyList<string> backends)
    {
        _app = app;
        _backends = backends;
    }

    public string Url { get; private set; } = string.Empty;

    /// <summary>Gets, per request, the backend that served it and the request's method and path.</summary>
    public ConcurrentQueue<(string Backend, string Method, string Path)> Served { get; } = new();

    public static async Task<RoundRobinProxy> StartAsync(IReadOnlyList<string> backends, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var proxy = new RoundRobinProxy(app, backends);
        app.Run(proxy.ForwardAsync);
        await app.StartAsync(cancellationToken);
        proxy.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return proxy;
    }

    private async Task ForwardAsync(HttpContext context)
    {
        var backend = _backends[(int)((uint)Interlocked.Increment(ref _next) % (uint)_backends.Count)];
        Served.Enqueue((backend, context.Request.Method, context.Request.Path.Value ?? string.Empty));
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), backend + context.Request.Path + context.Request.QueryString);
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(context.Request.Body);
        }

        foreach (var (name, values) in context.Request.Headers)
        {
            if (!HopByHop.Contains(name) && !request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopByHop.Contains(name))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted);
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        _http.Dispose();
    }
}
