using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Apim;

/// <summary>
/// Executes API-backed tools (<c>http</c> kind) through the API manager: the request is built from the tool's binding,
/// with the downstream token, subscription key and tracing headers of seed §3.1; resilience comes from the named client.
/// </summary>
internal sealed class ApimToolExecutor(
    IHttpClientFactory httpClientFactory,
    IDownstreamTokenProvider tokens,
    IOptionsMonitor<ApimOptions> options,
    ILogger<ApimToolExecutor> logger) : IToolExecutor
{
    public const string ExecutorKind = "http";
    public const string HttpClientName = "Msil.Mcp.Apim";

    private static readonly HashSet<string> ForbiddenHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Authorization", "Proxy-Authorization", "Host", "Cookie", "Set-Cookie", "Connection", "Keep-Alive", "Transfer-Encoding",
        "TE", "Trailer", "Upgrade", "Proxy-Connection", "Content-Length", "Content-Type", "Expect", "Ocp-Apim-Subscription-Key",
        "X-Correlation-ID", "X-MCP-Tool-Name", "X-MCP-Risk-Level", "traceparent", "tracestate", "Idempotency-Key", "Forwarded",
        "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto",
    };

    public string Kind => ExecutorKind;

    public async ValueTask<ToolResult> ExecuteAsync(ToolInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var binding = invocation.Tool.Http ?? throw new InvalidOperationException($"Tool '{invocation.Tool.Name}' has no HTTP binding.");
        var o = options.CurrentValue;
        if (o.GatewayUrl is null)
        {
            return Error("the API gateway is not configured (Msil:Mcp:Apim:GatewayUrl)");
        }

        using var request = new HttpRequestMessage(new HttpMethod(binding.Method), (Uri?)null);
        var buildError = RequestBuilder.Build(request, o.GatewayUrl, binding, invocation.Arguments, o.SubscriptionKeyHeader, ForbiddenHeaders);
        if (buildError is not null)
        {
            return Error(buildError);
        }

        var audience = binding.Audience ?? o.DefaultAudience;
        if (audience is not null)
        {
            SensitiveString? token;
            try
            {
                token = await tokens.GetTokenAsync(invocation.Caller, invocation.SubjectToken, audience, cancellationToken).ConfigureAwait(false);
            }
            catch (DownstreamTokenException ex)
            {
                Log.DownstreamTokenUnavailable(logger, invocation.Tool.Name);
                return Error($"no token for the backend could be obtained: {ex.Message}");
            }

            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Reveal());
            }
        }

        if (!string.IsNullOrEmpty(o.SubscriptionKey))
        {
            request.Headers.TryAddWithoutValidation(o.SubscriptionKeyHeader, o.SubscriptionKey);
        }

        request.Headers.TryAddWithoutValidation("X-Correlation-ID", invocation.CorrelationId);
        request.Headers.TryAddWithoutValidation("X-MCP-Tool-Name", invocation.Tool.Name);
        request.Headers.TryAddWithoutValidation("X-MCP-Risk-Level", invocation.Tool.RiskLevel.ToWire());
        if (!IsIdempotent(binding.Method))
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", invocation.IdempotencyKey);
        }

        var client = httpClientFactory.CreateClient(HttpClientName);
        HttpResponseMessage response;
        var started = Stopwatch.GetTimestamp();
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or Polly.CircuitBreaker.BrokenCircuitException or Polly.Timeout.TimeoutRejectedException && !cancellationToken.IsCancellationRequested)
        {
            Log.BackendUnavailable(logger, invocation.Tool.Name, ex.GetType().Name);
            return Error(ex switch
            {
                Polly.CircuitBreaker.BrokenCircuitException => "the backend is failing and its circuit breaker is open; try again later",
                Polly.Timeout.TimeoutRejectedException or TaskCanceledException => "the backend did not answer in time",
                _ => "the backend could not be reached",
            });
        }

        using (response)
        {
            Log.BackendCalled(logger, invocation.Tool.Name, (int)response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            var (body, size, cut) = await ReadBodyAsync(response, o.MaxResponseBytes, cancellationToken).ConfigureAwait(false);
            var mediaType = response.Content.Headers.ContentType?.MediaType ?? string.Empty;
            var isJson = mediaType.Contains("json", StringComparison.OrdinalIgnoreCase);
            var text = Encoding.UTF8.GetString(body);
            if (!response.IsSuccessStatusCode)
            {
                return new ToolResult
                {
                    IsError = true,
                    BackendStatus = (int)response.StatusCode,
                    Size = size,
                    Text = DescribeFailure(response.StatusCode, isJson ? text : null),
                };
            }

            JsonElement? structured = null;
            if (isJson && !cut && body.Length > 0)
            {
                try
                {
                    using var doc = JsonDocument.Parse(body);
                    structured = doc.RootElement.ValueKind == JsonValueKind.Object
                        ? doc.RootElement.Clone()
                        : JsonSerializer.SerializeToElement(new Dictionary<string, JsonElement> { ["items"] = doc.RootElement.Clone() }, ApimJsonContext.Default.DictionaryStringJsonElement);
                }
                catch (JsonException)
                {
                    structured = null;
                }
            }

            if (cut)
            {
                text += $"\n\n[Response cut at {o.MaxResponseBytes} bytes (Msil:Mcp:Apim:MaxResponseBytes); ask for less, for example with filters or paging.]";
            }

            return new ToolResult
            {
                StructuredContent = structured,
                Text = text.Length == 0 ? $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}" : text,
                BackendStatus = (int)response.StatusCode,
                Size = size,
            };
        }
    }

    internal static bool IsIdempotent(string method) => method.ToUpperInvariant() is "GET" or "HEAD" or "PUT" or "DELETE" or "OPTIONS";

    private static async Task<(byte[] Body, long Size, bool Cut)> ReadBodyAsync(HttpResponseMessage response, int max, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = stream.ConfigureAwait(false);
        var buffer = new byte[Math.Min(max + 1, 64 * 1024)];
        using var ms = new MemoryStream();
        int read;
        long total = 0;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            total += read;
            var room = max - (int)ms.Length;
            if (room > 0)
            {
                ms.Write(buffer, 0, Math.Min(room, read));
            }

            if (total > max)
            {
                return (ms.ToArray(), total, true);
            }
        }

        return (ms.ToArray(), total, false);
    }

    private static string DescribeFailure(HttpStatusCode status, string? problemJson)
    {
        var code = (int)status;
        var who = code is 401 or 403
            ? " The backend itself refused the call (its own authentication or authorization), not this server's policy."
            : string.Empty;
        var detail = string.Empty;
        if (problemJson is not null)
        {
            try
            {
                using var doc = JsonDocument.Parse(problemJson);
                var root = doc.RootElement;
                if (root.ValueKind == JsonValueKind.Object)
                {
                    var title = root.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                    var d = root.TryGetProperty("detail", out var dd) && dd.ValueKind == JsonValueKind.String ? dd.GetString() : null;
                    detail = string.Join(": ", new[] { title, d }.Where(s => !string.IsNullOrEmpty(s)));
                }
            }
            catch (JsonException)
            {
                detail = string.Empty;
            }
        }

        return $"The backend answered HTTP {code} {status}{(detail.Length > 0 ? ": " + Redact(detail) : ".")}{who}";
    }

    private static string Redact(string text) => text.Length > 1024 ? text[..1024] + "…" : text;

    private static ToolResult Error(string message) => new() { IsError = true, Text = "The tool could not be run: " + message + "." };
}
