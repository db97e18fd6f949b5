using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Msil.Mcp.Chat.Mcp;

/// <summary>
/// One signed-in user's connection to the governed MCP server: the C# SDK client over Streamable HTTP, every request
/// carrying that user's own access token (read per request, so a refreshed token is used) and nothing else. Tools are
/// listed as the server filters them for this user and read again after <c>notifications/tools/list_changed</c>.
/// </summary>
internal sealed class McpToolConnection : IAsyncDisposable
{
    private readonly Uri _endpoint;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CorrelationHandler _handler;
    private readonly HttpClient _http;
    private McpClient? _client;
    private IReadOnlyList<McpClientTool>? _tools;
    private IAsyncDisposable? _listChanged;
    private Func<ElicitRequestParams?, CancellationToken, ValueTask<ElicitResult>>? _askUser;

    /// <param name="endpoint">The MCP endpoint.</param>
    /// <param name="userHandler">Sends requests with the signed-in user's own token (the shell's API client in the app).</param>
    /// <param name="loggerFactory">Logging.</param>
    public McpToolConnection(Uri endpoint, HttpMessageHandler userHandler, ILoggerFactory loggerFactory)
    {
        _endpoint = endpoint;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<McpToolConnection>();
        _handler = new CorrelationHandler { InnerHandler = userHandler };
        _http = new HttpClient(_handler) { Timeout = TimeSpan.FromMinutes(2) };
    }

    /// <summary>Raised when the server says its tool list changed.</summary>
    public event Action? ToolsChanged;

    /// <summary>Gets the protocol revision agreed with the server, once connected.</summary>
    public string? ProtocolVersion => _client?.NegotiatedProtocolVersion;

    /// <summary>Lists the tools this user may call (cached until the server says the list changed).</summary>
    public async ValueTask<IReadOnlyList<McpClientTool>> ListToolsAsync(CancellationToken cancellationToken)
    {
        var tools = _tools;
        if (tools is not null)
        {
            return tools;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var client = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            tools = [.. await client.ListToolsAsync(cancellationToken: cancellationToken).ConfigureAwait(false)];
            _tools = tools;
            return tools;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forgets the tool list, so the next <see cref="ListToolsAsync"/> asks the server again (a stateless server pushes no list_changed).</summary>
    public void RefreshTools() => _tools = null;

    /// <summary>
    /// Calls a tool and records the governed outcome on <paramref name="card"/>. When the server answers
    /// <c>input_required</c> (MRTR), the SDK client hands each elicitation to <paramref name="askUser"/> and sends the call
    /// again with the user's answers; without <paramref name="askUser"/> the request is declined.
    /// </summary>
    public async Task CallAsync(ToolCallCard card, IReadOnlyDictionary<string, JsonElement> arguments, string auditLinkTemplate, CancellationToken cancellationToken,
        Func<ElicitRequestParams?, CancellationToken, ValueTask<ElicitResult>>? askUser = null)
    {
        card.Attempts++;
        card.Status = ToolCallStatus.Running;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _handler.LastCorrelationId = null;
            _askUser = askUser;
            var client = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            var result = await client.CallToolAsync(new CallToolRequestParams
            {
                Name = card.ToolName,
                Arguments = arguments.ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal),
            }, cancellationToken).ConfigureAwait(false);
            ToolOutcomes.FromResult(card, result);
        }
#pragma warning disable CA1031 // every failure becomes the card's outcome, shown to the user and the model
        catch (Exception ex)
#pragma warning restore CA1031
        {
            ToolOutcomes.FromException(card, ex);
            if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }
        }
        finally
        {
            _askUser = null;
            card.CorrelationId = _handler.LastCorrelationId;
            card.AuditLink = card.CorrelationId is null
                ? null
                : string.Format(CultureInfo.InvariantCulture, auditLinkTemplate, Uri.EscapeDataString(card.CorrelationId));
            _gate.Release();
            Log.ToolCallEnded(_logger, card.Status, card.Attempts);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_listChanged is not null)
        {
            await _listChanged.DisposeAsync().ConfigureAwait(false);
        }

        if (_client is not null)
        {
            await _client.DisposeAsync().ConfigureAwait(false);
        }

        _http.Dispose();
        _gate.Dispose();
    }

    private async ValueTask<McpClient> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_client is not null)
        {
            return _client;
        }

        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = _endpoint,
            TransportMode = HttpTransportMode.StreamableHttp,
            Name = "msil-mcp-chat",
        }, _http, _loggerFactory, ownsHttpClient: false);

        // No protocol version asked for: the client offers its newest and takes the revision the server answers with.
        var client = await McpClient.CreateAsync(transport, new McpClientOptions
        {
            ClientInfo = new Implementation { Name = "msil-mcp-chat", Version = typeof(McpToolConnection).Assembly.GetName().Version?.ToString() ?? "0.0" },
            Handlers = new McpClientHandlers
            {
                // An input-required answer (MRTR) or a server's elicitation request: the page asks the user, the SDK resends.
                ElicitationHandler = (request, ct) => _askUser is { } ask ? ask(request, ct) : ValueTask.FromResult(new ElicitResult { Action = "decline" }),
            },
        }, _loggerFactory, cancellationToken).ConfigureAwait(false);
        _listChanged = client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            _tools = null;
            Log.ToolListChanged(_logger);
            ToolsChanged?.Invoke();
            return ValueTask.CompletedTask;
        });
        Log.Connected(_logger, client.NegotiatedProtocolVersion ?? "unknown");
        _client = client;
        return client;
    }

    /// <summary>Keeps the server's correlation id of the last answer (the call's audit reference).</summary>
    private sealed class CorrelationHandler : DelegatingHandler
    {
        public string? LastCorrelationId { get; set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (request.Method == HttpMethod.Post && response.Headers.TryGetValues("X-Correlation-ID", out var values))
            {
                LastCorrelationId = values.FirstOrDefault();
            }

            return response;
        }
    }
}
