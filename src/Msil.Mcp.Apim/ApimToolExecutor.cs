using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Apim.Diagnostics;
using Msil.Mcp.Apim.Http;
using Msil.Mcp.Apim.Resilience;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Msil.Mcp.Apim;

/// <summary>
/// Executes API-backed tools (<c>http</c> kind) through the API manager: the request is built from the tool's binding,
/// with the downstream token, subscription key and tracing headers of seed §3.1, and sent through the gateway's named
/// client (mTLS, overall timeout, retries where safe, circuit breaker, attempt timeout); the response is shaped for the model.
/// </summary>
internal sealed class ApimToolExecutor(
    IHttpClientFactory httpClientFactory,
    IDownstreamTokenProvider tokens,
    ApimGatewayRegistry gateways,
    ApimMetrics metrics,
    TimeProvider time,
    ILogger<ApimToolExecutor> logger) : IToolExecutor
{
    public const string ExecutorKind = "http";

    /// <summary>The most body-read timeout sources kept for reuse.</summary>
    private const int MaxPooledTimeouts = 64;

    private readonly ConcurrentQueue<CancellationTokenSource> _timeouts = new();

    /// <summary>The <c>Authorization</c> header value per downstream token string, kept as long as the token is (the token cache holds it).</summary>
    private static readonly ConditionalWeakTable<string, string> BearerHeaders = new();

    /// <summary>The default gateway's client name; named gateways use <c>Msil.Mcp.Apim:{name}</c>.</summary>
    public const string HttpClientName = ApimGatewayRegistry.ClientNamePrefix;

    public string Kind => ExecutorKind;

    public async ValueTask<ToolResult> ExecuteAsync(ToolInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var tool = invocation.Tool;
        var template = RequestTemplate.For(tool);
        if (!gateways.TryGetSettings(template.Gateway, out var settings) || !gateways.TryGet(template.Gateway, out var gateway))
        {
            return Error($"the tool's gateway '{template.Gateway}' is not configured (Msil:Mcp:Apim:Gateways:{template.Gateway}:GatewayUrl)");
        }

        if (settings.GatewayUrl is null)
        {
            return Error($"the API gateway is not configured ({gateway.ConfigPrefix}:GatewayUrl)");
        }

        using var request = new HttpRequestMessage(template.Method, (Uri?)null);
        var buildError = RequestBuilder.Build(request, template, settings.GatewayUrl, invocation.Arguments, settings.SubscriptionKeyHeader, settings.SubscriptionKeyQueryName);
        if (buildError is not null)
        {
            return Error(buildError);
        }

        string? token = null;
        if ((template.Audience ?? settings.DefaultAudience) is { } audience)
        {
            try
            {
                token = (await tokens.GetTokenAsync(invocation.Caller, invocation.SubjectToken, audience, cancellationToken).ConfigureAwait(false))?.Reveal();
            }
            catch (DownstreamTokenException ex)
            {
                Log.DownstreamTokenUnavailable(logger, tool.Name);
                return Error($"no token for the backend could be obtained: {ex.Message}");
            }

            if (token is not null)
            {
                // The header's text is made once per cached token, not per call: a parsed AuthenticationHeaderValue would
                // be formatted into a new string twice per call (the header check and the connection's writer).
                request.Headers.TryAddWithoutValidation("Authorization", BearerHeaders.GetValue(token, static t => "Bearer " + t));
            }
        }

        if (BackendCredentials.Check(template, token, settings) is { } credentialProblem)
        {
            return Error(credentialProblem);
        }

        var headers = request.Headers;
        if (!string.IsNullOrEmpty(settings.SubscriptionKey))
        {
            headers.TryAddWithoutValidation(settings.SubscriptionKeyHeader, settings.SubscriptionKey);
            BackendCredentials.AddApiKeyHeaders(request, template, settings);
        }

        if (IsHeaderSafe(invocation.CorrelationId))
        {
            headers.TryAddWithoutValidation("X-Correlation-ID", invocation.CorrelationId);
        }

        headers.TryAddWithoutValidation("X-MCP-Tool-Name", tool.Name);
        headers.TryAddWithoutValidation("X-MCP-Risk-Level", template.RiskLevel);
        if (template.SendIdempotencyKey && IsHeaderSafe(invocation.IdempotencyKey))
        {
            // Generated once per tool call by the core; the same on every attempt, because retries resend this message.
            headers.TryAddWithoutValidation("Idempotency-Key", invocation.IdempotencyKey);
        }

        using var activity = ApimMetrics.Source.HasListeners() ? ApimMetrics.Source.StartActivity(template.SpanName, ActivityKind.Internal) : null;
        activity?.SetTag("mcp.tool.name", tool.Name);
        activity?.SetTag(ApimMetrics.GatewayTag, gateway.Name);
        activity?.SetTag("http.request.method", template.Method.Method);
        var call = new ApimCall { ToolName = tool.Name, RetryAllowed = template.RetryAllowed, Activity = activity };
        request.Options.Set(ApimCall.OptionsKey, call);

        var started = time.GetTimestamp();
        var client = gateway.GetClient(httpClientFactory);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (UnsendableRequestException ex)
        {
            // Refused before the gateway's pipeline: not retried, not counted by the breaker.
            Finish(activity, gateway, "invalid_request", null, call, started);
            Log.RequestUnsendable(logger, tool.Name, gateway.Name, ex.HeaderName ?? string.Empty);
            return Error($"the request cannot be sent: the value of its header '{ex.HeaderName}' is not printable ASCII, which HTTP cannot carry (check the tool's name, the downstream token and {gateway.ConfigPrefix}:SubscriptionKey)");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is HttpRequestException or OperationCanceledException or BrokenCircuitException or TimeoutRejectedException)
        {
            var (outcome, message) = DescribeFailure(ex, call, gateway, template);
            Finish(activity, gateway, outcome, null, call, started);
            Log.BackendUnavailable(logger, tool.Name, gateway.Name, outcome, call.Attempts);
            return Error(message);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            activity?.SetTag(ApimMetrics.StatusTag, status);
            ResponseBody body;
            try
            {
                body = await ReadBodyAsync(response, settings.MaxResponseBytes, BodyTimeLimit(gateway.Settings, started), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is OperationCanceledException or HttpRequestException or IOException)
            {
                var timedOut = ex is OperationCanceledException;
                if (timedOut)
                {
                    metrics.Timeout(gateway.Name, "body");
                }

                Finish(activity, gateway, timedOut ? "timeout" : "connection_error", status, call, started);
                Log.BackendUnavailable(logger, tool.Name, gateway.Name, timedOut ? "body_timeout" : "body_error", call.Attempts);
                return Error(timedOut
                    ? $"the backend answered HTTP {status} but did not send the whole response in time ({gateway.ConfigPrefix}:ReadTimeout, TotalTimeout)"
                    : $"the backend answered HTTP {status} but the connection failed while the response was read");
            }

            ToolResult result;
            try
            {
                result = ResponseShaper.Shape(response, body, template, gateway.Name, settings.MaxResponseBytes, new Secrets(settings.SubscriptionKey, token), call.Attempts, call.RetrySkippedAsUnsafe);
            }
            finally
            {
                // Nothing the result holds points into the buffer: text, JSON, details and a JSON body's bytes are copies.
                body.Return();
            }

            Finish(activity, gateway, result.IsError ? "http_error" : "success", status, call, started);
            if (body.Cut)
            {
                Log.ResponseCut(logger, tool.Name, settings.MaxResponseBytes);
            }

            Log.BackendCalled(logger, tool.Name, gateway.Name, status, call.Attempts, time.GetElapsedTime(started).TotalMilliseconds);
            return result;
        }
    }

    /// <summary>Returns whether a value from the call (correlation id, idempotency key) can be sent as a header; one that cannot is left out.</summary>
    private static bool IsHeaderSafe(string? value) => !string.IsNullOrEmpty(value) && HttpText.IsHeaderValue(value);

    private static (string Outcome, string Message) DescribeFailure(Exception ex, ApimCall call, GatewayRuntime gateway, RequestTemplate template)
    {
        var tries = call.Attempts > 1 ? $" (tried {call.Attempts} times)" : string.Empty;
        var unsafeNote = call.RetrySkippedAsUnsafe && template.SendIdempotencyKey
            ? "; it was not retried because the tool is not idempotent, and the backend may or may not have applied it"
            : string.Empty;
        switch (ex)
        {
            case BrokenCircuitException:
                var wait = Math.Max(1, Math.Ceiling((call.CircuitRetryAfter ?? gateway.Settings.CircuitBreakerBreakDuration).TotalSeconds));
                return ("circuit_open", $"the backend behind gateway '{gateway.Name}' is failing and its circuit breaker is open; try again in about {wait} s{tries}");
            case TimeoutRejectedException when call.TotalTimedOut:
                return ("timeout", $"the backend did not answer within the call's time limit of {gateway.Settings.TotalTimeout.TotalSeconds} s ({gateway.ConfigPrefix}:TotalTimeout){tries}{unsafeNote}");
            case TimeoutRejectedException or OperationCanceledException:
                return ("timeout", $"the backend did not answer within {gateway.Settings.ReadTimeout.TotalSeconds} s ({gateway.ConfigPrefix}:ReadTimeout){tries}{unsafeNote}");
            case HttpRequestException http when http.HttpRequestError == HttpRequestError.SecureConnectionError || http.InnerException is AuthenticationException:
                return ("tls_error", $"the TLS connection to gateway '{gateway.Name}' failed: check its client certificate ({gateway.ConfigPrefix}:ClientCertificatePath, ClientKeyPath) and the CA bundle the gateway's certificate must chain to ({gateway.ConfigPrefix}:CaCertificatePath){tries}");
            case HttpRequestException http when (gateway.Certificates is not null || gateway.Trust is not null)
                && http.HttpRequestError is HttpRequestError.ResponseEnded or HttpRequestError.Unknown:
                // TLS 1.3: the gateway checks the client certificate after the client finished its handshake, so a refusal
                // looks like a connection closed before the answer.
                return ("connection_error", gateway.Certificates is null
                    ? $"the gateway '{gateway.Name}' closed the connection before answering; if it requires a client certificate (mTLS), set {gateway.ConfigPrefix}:ClientCertificatePath and ClientKeyPath{tries}{unsafeNote}"
                    : $"the gateway '{gateway.Name}' closed the connection before answering; with mTLS this usually means it refused the client certificate: check {gateway.ConfigPrefix}:ClientCertificatePath and ClientKeyPath (a certificate from a CA the gateway trusts){tries}{unsafeNote}");
            case HttpRequestException http when http.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.ProxyTunnelError:
                return ("connection_error", $"the backend could not be reached through gateway '{gateway.Name}'{tries}");
            default:
                return ("connection_error", $"the connection to the backend through gateway '{gateway.Name}' failed before it answered{tries}{unsafeNote}");
        }
    }

    /// <summary>Reading the body may take the read timeout, but no longer than what is left of the call's overall limit.</summary>
    private TimeSpan BodyTimeLimit(ApimGatewayOptions settings, long started)
    {
        var left = settings.TotalTimeout - time.GetElapsedTime(started);
        var limit = left < settings.ReadTimeout ? left : settings.ReadTimeout;
        return limit > TimeSpan.Zero ? limit : TimeSpan.FromMilliseconds(1);
    }

    /// <summary>
    /// Reads the body into a buffer rented from <see cref="ArrayPool{T}.Shared"/> (the caller returns it with
    /// <see cref="ResponseBody.Return"/>): at most <paramref name="max"/> bytes are kept, one more is read to tell a cut.
    /// </summary>
    private async Task<ResponseBody> ReadBodyAsync(HttpResponseMessage response, int max, TimeSpan limit, CancellationToken cancellationToken)
    {
        var length = response.Content.Headers.ContentLength;
        var timeout = RentTimeout(limit);
        try
        {
            using var link = cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), timeout);
            var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var pool = ArrayPool<byte>.Shared;
                var ceiling = max + 1;
                var buffer = pool.Rent(length is { } known && known <= max ? Math.Max((int)known, 1) : Math.Min(ceiling, 16 * 1024));
                var filled = 0;
                try
                {
                    while (true)
                    {
                        var capacity = Math.Min(buffer.Length, ceiling);
                        if (filled == capacity)
                        {
                            if (filled >= ceiling)
                            {
                                break;
                            }

                            var larger = pool.Rent(Math.Min(buffer.Length * 2, ceiling));
                            buffer.AsSpan(0, filled).CopyTo(larger);
                            pool.Return(buffer);
                            buffer = larger;
                            continue;
                        }

                        var read = await stream.ReadAsync(buffer.AsMemory(filled, capacity - filled), timeout.Token).ConfigureAwait(false);
                        if (read == 0)
                        {
                            break;
                        }

                        filled += read;
                    }
                }
                catch
                {
                    pool.Return(buffer);
                    throw;
                }

                return filled > max
                    ? new ResponseBody(buffer, max, length ?? filled, Cut: true)
                    : new ResponseBody(buffer, filled, filled, Cut: false);
            }
        }
        finally
        {
            ReturnTimeout(timeout);
        }
    }

    /// <summary>
    /// Returns a token source that cancels after <paramref name="limit"/>. On the system clock it comes from a small
    /// pool: a source whose timer did not fire is reset (its timer stopped) and reused, instead of a new source and
    /// timer per call. On any other clock (tests) it is a new source on that clock.
    /// </summary>
    private CancellationTokenSource RentTimeout(TimeSpan limit)
    {
        if (ReferenceEquals(time, TimeProvider.System) && _timeouts.TryDequeue(out var source))
        {
            source.CancelAfter(limit);
            return source;
        }

        return new CancellationTokenSource(limit, time);
    }

    private void ReturnTimeout(CancellationTokenSource source)
    {
        if (ReferenceEquals(time, TimeProvider.System) && _timeouts.Count < MaxPooledTimeouts && source.TryReset())
        {
            _timeouts.Enqueue(source);
        }
        else
        {
            source.Dispose();
        }
    }

    private void Finish(Activity? activity, GatewayRuntime gateway, string outcome, int? status, ApimCall call, long started)
    {
        metrics.Request(gateway.Name, outcome, status, time.GetElapsedTime(started).TotalSeconds);
        if (activity is not null)
        {
            activity.SetTag(ApimMetrics.OutcomeTag, outcome);
            activity.SetTag("msil.apim.attempts", call.Attempts);
            if (outcome is not "success")
            {
                activity.SetStatus(ActivityStatusCode.Error, outcome);
            }
        }
    }

    private static ToolResult Error(string message) => new() { IsError = true, Text = "The tool could not be run: " + message + "." };
}
