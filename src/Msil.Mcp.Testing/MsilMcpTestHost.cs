using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;

namespace Msil.Mcp.Testing;

/// <summary>
/// A real governed host for tests: Kestrel on a free loopback port, <c>AddMsilMcp()</c> configured by the test, the test
/// authentication scheme (<see cref="TestCaller"/> in a header) and <c>MapMsilMcp("/mcp").RequireAuthorization()</c>.
/// Connect with the MCP C# SDK client through <see cref="ConnectAsync"/>, or send raw requests with
/// <see cref="CreateHttpClient"/>. Dispose it to stop the host.
/// </summary>
public sealed class MsilMcpTestHost : IAsyncDisposable
{
    /// <summary>The path the MCP endpoint is mapped at.</summary>
    public const string McpPath = "/mcp";

    private readonly WebApplication _app;
    private int _stopped;

    private MsilMcpTestHost(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>Gets the host's base address, for example <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Gets the MCP endpoint.</summary>
    public Uri McpEndpoint => new(BaseAddress, McpPath);

    /// <summary>Gets the host's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Gets the in-memory audit sink, when the host uses one (<see cref="MsilMcpTestingBuilderExtensions.UseInMemoryAuditSink"/>).</summary>
    /// <exception cref="InvalidOperationException">The host does not use an <see cref="InMemoryAuditSink"/>.</exception>
    public InMemoryAuditSink Audit => _app.Services.GetService<InMemoryAuditSink>()
        ?? throw new InvalidOperationException("This host has no InMemoryAuditSink: call UseInMemoryAuditSink() in the configure callback.");

    /// <summary>Starts a host.</summary>
    /// <param name="configure">Configures the governed server (tools, executors, policy, audit, packages).</param>
    /// <param name="options">Configures the host (environment, services, endpoints, authorization), or <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The started host.</returns>
    public static async Task<MsilMcpTestHost> StartAsync(
        Action<IMsilMcpBuilder> configure,
        Action<MsilMcpTestHostOptions>? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var o = new MsilMcpTestHostOptions();
        options?.Invoke(o);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = o.EnvironmentName, ContentRootPath = o.ContentRootPath });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(o.MinimumLogLevel);
        builder.Services.AddAuthentication(TestAuthenticationDefaults.Scheme).AddMsilMcpTestAuthentication();
        builder.Services.AddAuthorization();
        configure(builder.Services.AddMsilMcp());
        o.ConfigureHost?.Invoke(builder);

        var app = builder.Build();
        try
        {
            app.UseAuthentication();
            app.UseAuthorization();
            o.ConfigureApp?.Invoke(app);
            var endpoint = app.MapMsilMcp(McpPath);
            if (o.RequireAuthorization)
            {
                endpoint.RequireAuthorization();
            }

            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                ?? throw new InvalidOperationException("The test host started without an address.");
            return new MsilMcpTestHost(app, new Uri(address.TrimEnd('/') + "/"));
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Connects the MCP C# SDK client as <paramref name="caller"/> (Streamable HTTP).</summary>
    /// <param name="caller">The caller, or <see langword="null"/> for no identity (the endpoint then answers 401).</param>
    /// <param name="options">Client options (protocol version, capabilities, handlers), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the connection.</param>
    /// <returns>The connected client; dispose it.</returns>
    public Task<McpClient> ConnectAsync(TestCaller? caller, McpClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (caller is not null)
        {
            headers[TestAuthenticationDefaults.HeaderName] = caller.ToHeaderValue();
        }

        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = McpEndpoint,
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = headers,
        });
        return McpClient.CreateAsync(transport, options, cancellationToken: cancellationToken);
    }

    /// <summary>Creates an <see cref="HttpClient"/> for the host, sending <paramref name="caller"/>'s identity on every request.</summary>
    /// <param name="caller">The caller, or <see langword="null"/> for none.</param>
    /// <returns>The client; dispose it.</returns>
    public HttpClient CreateHttpClient(TestCaller? caller)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (caller is not null)
        {
            client.DefaultRequestHeaders.Add(TestAuthenticationDefaults.HeaderName, caller.ToHeaderValue());
        }

        return client;
    }

    /// <summary>
    /// Posts one raw JSON-RPC message to the MCP endpoint as <paramref name="caller"/>, with the headers a Streamable HTTP
    /// client sends (<c>Accept</c> of JSON and event streams, <c>MCP-Protocol-Version</c>), for tests that need the
    /// answer's exact bytes rather than what an SDK client makes of them.
    /// </summary>
    /// <param name="caller">The caller, or <see langword="null"/> for none.</param>
    /// <param name="message">The JSON-RPC message, as sent.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The answer: its status and its body as sent.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is <see langword="null"/>.</exception>
    public async Task<McpHttpAnswer> PostJsonRpcAsync(TestCaller? caller, string message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var http = CreateHttpClient(caller);
        using var request = new HttpRequestMessage(HttpMethod.Post, McpEndpoint)
        {
            Content = new StringContent(message, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return new McpHttpAnswer(response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Stops the host as a shutdown would (hosted services stop, calls in flight finish) but keeps its services, so a
    /// test can look at what the shutdown left behind. Only the first call stops; later ones return at once.
    /// </summary>
    /// <param name="cancellationToken">Ends the graceful shutdown early.</param>
    /// <returns>A task that completes when the host has stopped.</returns>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the host (unless <see cref="StopAsync"/> did) and disposes it.</summary>
    /// <returns>A task that completes when the host has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
