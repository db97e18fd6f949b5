using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Msil.Mcp.Apim.Tests.Infrastructure;

/// <summary>What the backend saw of one request.</summary>
public sealed record RecordedRequest(
    string Method,
    string RawTarget,
    IReadOnlyDictionary<string, string> Headers,
    byte[] Body,
    string? ContentType,
    string? ClientCertificateThumbprint,
    string ConnectionId)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);
}

/// <summary>One scripted answer: a status, headers and body, optionally late, cut off or aborted.</summary>
public sealed record Reply
{
    public int Status { get; init; } = 200;

    public string? Body { get; init; }

    public byte[]? BodyBytes { get; init; }

    public string? ContentType { get; init; } = "application/json";

    public TimeSpan Delay { get; init; }

    /// <summary>Sends the headers and the first bytes of the body, then waits this long before the rest.</summary>
    public TimeSpan BodyStall { get; init; }

    /// <summary>Sends the body without a Content-Length, in flushed pieces of 4 KB (chunked transfer encoding).</summary>
    public bool Chunked { get; init; }

    /// <summary>Drops the connection instead of answering (after <see cref="Action"/> ran).</summary>
    public bool Abort { get; init; }

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Runs before the answer, for backends with state (a payment ledger).</summary>
    public Func<RecordedRequest, Reply?>? Action { get; init; }

    public static Reply Json(string body, int status = 200) => new() { Status = status, Body = body };

    public static Reply Status503 => new() { Status = 503, Body = """{"title":"Service Unavailable"}""", ContentType = "application/problem+json" };
}

/// <summary>
/// A loopback Kestrel backend for the tests: every request is recorded (method, raw target, headers, body, client
/// certificate, connection) and answered from a script of <see cref="Reply"/>s, then from <see cref="Default"/>.
/// </summary>
public sealed class ScriptedBackend : IAsyncDisposable
{
    private readonly ConcurrentQueue<Reply> _script = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private WebApplication? _app;

    private ScriptedBackend()
    {
    }

    public Uri Url { get; private set; } = null!;

    public Reply Default { get; set; } = Reply.Json("""{"ok":true}""");

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public int Count => _requests.Count;

    public static async Task<ScriptedBackend> StartAsync(X509Certificate2? serverCertificate = null, X509Certificate2? clientCa = null)
    {
        var backend = new ScriptedBackend();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (serverCertificate is null)
            {
                return;
            }

            listen.UseHttps(https =>
            {
                https.ServerCertificate = serverCertificate;
                if (clientCa is not null)
                {
                    https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                    https.ClientCertificateValidation = (certificate, _, _) => TestCertificates.ChainsTo(certificate, clientCa);
                }
            });
        }));
        var app = builder.Build();
        app.Run(backend.HandleAsync);
        await app.StartAsync();
        backend._app = app;
        backend.Url = new Uri(app.Urls.First());
        return backend;
    }

    public ScriptedBackend Enqueue(params Reply[] replies)
    {
        foreach (var reply in replies)
        {
            _script.Enqueue(reply);
        }

        return this;
    }

    /// <summary>Waits until the backend has seen <paramref name="count"/> requests.</summary>
    public async Task WaitForAsync(int count, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (Count < count)
        {
            await Task.Delay(5, timeout.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var recorded = new RecordedRequest(
            context.Request.Method,
            context.Features.Get<IHttpRequestFeature>()!.RawTarget,
            headers,
            body.ToArray(),
            context.Request.ContentType,
            context.Connection.ClientCertificate?.Thumbprint,
            context.Connection.Id);
        _requests.Enqueue(recorded);

        var reply = _script.TryDequeue(out var next) ? next : Default;
        if (reply.Action?.Invoke(recorded) is { } replaced)
        {
            reply = replaced;
        }

        try
        {
            if (reply.Delay > TimeSpan.Zero)
            {
                await Task.Delay(reply.Delay, context.RequestAborted);
            }

            if (reply.Abort)
            {
                context.Abort();
                return;
            }

            context.Response.StatusCode = reply.Status;
            foreach (var (name, value) in reply.Headers)
            {
                context.Response.Headers[name] = value;
            }

            var bytes = reply.BodyBytes ?? (reply.Body is null ? [] : System.Text.Encoding.UTF8.GetBytes(reply.Body));
            if (bytes.Length == 0)
            {
                return;
            }

            if (reply.ContentType is not null)
            {
                context.Response.ContentType = reply.ContentType;
            }

            if (reply.BodyStall > TimeSpan.Zero)
            {
                await context.Response.Body.WriteAsync(bytes.AsMemory(0, 1), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(reply.BodyStall, context.RequestAborted);
                await context.Response.Body.WriteAsync(bytes.AsMemory(1), context.RequestAborted);
                return;
            }

            if (reply.Chunked)
            {
                for (var offset = 0; offset < bytes.Length; offset += 4096)
                {
                    await context.Response.Body.WriteAsync(bytes.AsMemory(offset, Math.Min(4096, bytes.Length - offset)), context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                }

                return;
            }

            context.Response.ContentLength = bytes.Length;
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            // The client gave up (a timeout in the test); nothing to answer.
        }
    }
}
