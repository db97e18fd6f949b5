using System.Diagnostics;
using System.Net;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using Msil.Mcp.Apim.Diagnostics;
using Msil.Mcp.Apim.Tls;
using Polly;
using Polly.Registry;
using Polly.Retry;
using Polly.Timeout;

namespace Msil.Mcp.Apim.Resilience;

/// <summary>
/// Everything one gateway owns at run time: its settings as read when it was first used, its circuit breaker, its
/// resilience pipeline, its client certificate and CA bundle, and its HTTP client. Built once per gateway and kept.
/// </summary>
internal sealed class GatewayRuntime
{
    private readonly ApimMetrics _metrics;
    private readonly ILogger _logger;
    private HttpClient? _client;

    public GatewayRuntime(string? configName, ApimGatewayOptions settings, TimeProvider time, ApimMetrics metrics, ILogger logger, ResiliencePipelineRegistry<string> pipelines)
    {
        ConfigName = configName;
        Name = configName ?? ApimOptions.DefaultGatewayName;
        ClientName = ApimGatewayRegistry.ClientNameFor(configName);
        ConfigPrefix = configName is null ? ApimOptions.SectionName : $"{ApimOptions.SectionName}:Gateways:{configName}";
        Settings = settings;
        _metrics = metrics;
        _logger = logger;
        Breaker = new CountingCircuitBreaker(settings.CircuitBreakerThreshold, settings.CircuitBreakerSamplingDuration, settings.CircuitBreakerBreakDuration, time);
        Breaker.StateChanged += (from, to) => Log.CircuitStateChanged(logger, Name, from.ToString(), to.ToString());
        if (settings.ClientCertificatePath is { } certificate)
        {
            Certificates = new ClientCertificateSource(certificate, settings.ClientKeyPath, Name, logger);
        }

        if (settings.CaCertificatePath is { } ca)
        {
            Trust = new GatewayTrust(ca, Name, logger);
        }

        // Built by Polly's registry (Polly.Extensions) under the client's name, so the pipeline gets the host's Polly
        // telemetry (the Polly meter, logs, enrichers and listeners) the way AddResilienceHandler's pipelines do.
        Pipeline = pipelines.GetOrAddPipeline<HttpResponseMessage>(ClientName, (builder, _) => ConfigurePipeline(builder, time));
    }

    /// <summary>Gets the name under <c>Gateways</c>, or <see langword="null"/> for the default gateway.</summary>
    public string? ConfigName { get; }

    /// <summary>Gets the name used in telemetry (<c>default</c> for the default gateway).</summary>
    public string Name { get; }

    /// <summary>Gets the name of the gateway's client in <see cref="IHttpClientFactory"/>.</summary>
    public string ClientName { get; }

    /// <summary>Gets the configuration key prefix of the gateway's settings, for messages.</summary>
    public string ConfigPrefix { get; }

    public ApimGatewayOptions Settings { get; }

    public CountingCircuitBreaker Breaker { get; }

    public ResiliencePipeline<HttpResponseMessage> Pipeline { get; }

    public ClientCertificateSource? Certificates { get; }

    public GatewayTrust? Trust { get; }

    /// <summary>Gets the gateway's client: created once from the factory (its handler never expires; connections are recycled by the handler itself).</summary>
    public HttpClient GetClient(IHttpClientFactory factory)
    {
        var client = Volatile.Read(ref _client);
        if (client is not null)
        {
            return client;
        }

        client = factory.CreateClient(ClientName);
        client.Timeout = Timeout.InfiniteTimeSpan;
        return Interlocked.CompareExchange(ref _client, client, null) ?? client;
    }

    /// <summary>Creates the gateway's connection handler: connect timeout, TLS 1.2 or later, mTLS, no cookies, no redirects.</summary>
    public SocketsHttpHandler CreatePrimaryHandler()
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = Settings.ConnectTimeout,
            PooledConnectionLifetime = Settings.PooledConnectionLifetime,
            AutomaticDecompression = DecompressionMethods.All,

            // One handler serves every user: a cookie set by a backend must never travel with another user's call, and
            // a redirect must never carry the subscription key or the user's token to another host.
            UseCookies = false,
            AllowAutoRedirect = false,
        };
        handler.SslOptions.EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
        if (Certificates is { } certificates)
        {
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificates.Current!;
        }

        if (Trust is { } trust)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = trust.Validate;
        }

        return handler;
    }

    private static ValueTask TraceCircuit(ResilienceContext context, CircuitState state)
    {
        ApimCall.Of(context).Activity?.AddEvent(new ActivityEvent(state switch
        {
            CircuitState.Open => "circuit_breaker.opened",
            CircuitState.HalfOpen => "circuit_breaker.half_opened",
            _ => "circuit_breaker.closed",
        }));
        return default;
    }

    /// <summary>Returns whether an outcome is a transient failure worth another attempt, whatever the request.</summary>
    internal static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: TimeoutRejectedException or HttpRequestException } => true,
        { Exception: not null } => false,
        { Result: { } r } => (int)r.StatusCode >= 500 || r.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests,
        _ => false,
    };

    /// <summary>Reads <c>Retry-After</c> (seconds or a date) from a response.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeProvider time)
    {
        var header = response?.Headers.RetryAfter;
        if (header is null)
        {
            return null;
        }

        if (header.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    private static string Reason(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: TimeoutRejectedException } => "timeout",
        { Exception: HttpRequestException } => "connection_error",
        { Exception: { } e } => e.GetType().Name,
        { Result: { } r } => ((int)r.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => "unknown",
    };

    private void ConfigurePipeline(ResiliencePipelineBuilder<HttpResponseMessage> builder, TimeProvider time)
    {
        var s = Settings;
        builder.Name = ApimMetrics.Name;
        builder.InstanceName = Name;
        builder.TimeProvider = time;

        // Outermost: the call's overall limit, over every attempt and the waits between them.
        builder.AddTimeout(new TimeoutStrategyOptions
        {
            Name = "total",
            Timeout = s.TotalTimeout,
            OnTimeout = args =>
            {
                var call = ApimCall.Of(args.Context);
                call.TotalTimedOut = true;
                _metrics.Timeout(Name, "total");
                call.Activity?.AddEvent(new ActivityEvent("timeout", tags: new ActivityTagsCollection { ["msil.apim.timeout.kind"] = "total" }));
                Log.CallTimedOut(_logger, call.ToolName, Name, args.Timeout.TotalMilliseconds);
                return default;
            },
        });

        if (s.RetryMaxAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                Name = "retry",
                MaxRetryAttempts = s.RetryMaxAttempts,
                Delay = s.RetryBackoffBase,
                MaxDelay = s.RetryBackoffMax,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => new ValueTask<bool>(ShouldRetry(args.Outcome, args.Context, time)),
                DelayGenerator = args => new ValueTask<TimeSpan?>(RetryAfter(args.Outcome.Result, time)),
                OnRetry = args =>
                {
                    var call = ApimCall.Of(args.Context);
                    var reason = Reason(args.Outcome);
                    _metrics.Retry(Name, reason);
                    call.Activity?.AddEvent(new ActivityEvent("retry", tags: new ActivityTagsCollection
                    {
                        ["msil.apim.attempt"] = args.AttemptNumber + 1,
                        ["msil.apim.retry.delay_ms"] = args.RetryDelay.TotalMilliseconds,
                        [ApimMetrics.ErrorTypeTag] = reason,
                    }));
                    Log.Retrying(_logger, call.ToolName, Name, args.AttemptNumber + 1, reason, args.RetryDelay.TotalMilliseconds);
                    return default;
                },
            });
        }

        builder.AddCountingCircuitBreaker(new CountingCircuitBreakerStrategyOptions
        {
            Name = "breaker",
            FailureThreshold = s.CircuitBreakerThreshold,
            SamplingDuration = s.CircuitBreakerSamplingDuration,
            BreakDuration = s.CircuitBreakerBreakDuration,
            Breaker = Breaker,
            OnOpened = args => TraceCircuit(args.Context, CircuitState.Open),
            OnClosed = args => TraceCircuit(args.Context, CircuitState.Closed),
            OnHalfOpened = args => TraceCircuit(args.Context, CircuitState.HalfOpen),
            OnRejected = args =>
            {
                var call = ApimCall.Of(args.Context);
                call.CircuitRetryAfter = args.RetryAfter;
                _metrics.CircuitRejected(Name);
                call.Activity?.AddEvent(new ActivityEvent("circuit_breaker.rejected"));
                Log.CircuitRejected(_logger, call.ToolName, Name);
                return default;
            },
        });
        builder.AddStrategy(_ => new AttemptCountingStrategy());

        // Innermost: one attempt's wait for the response headers.
        builder.AddTimeout(new TimeoutStrategyOptions
        {
            Name = "attempt",
            Timeout = s.ReadTimeout,
            OnTimeout = args =>
            {
                var call = ApimCall.Of(args.Context);
                _metrics.Timeout(Name, "attempt");
                call.Activity?.AddEvent(new ActivityEvent("timeout", tags: new ActivityTagsCollection { ["msil.apim.timeout.kind"] = "attempt" }));
                return default;
            },
        });
    }

    private bool ShouldRetry(Outcome<HttpResponseMessage> outcome, ResilienceContext context, TimeProvider time)
    {
        if (context.CancellationToken.IsCancellationRequested || !IsTransient(outcome))
        {
            return false;
        }

        var call = ApimCall.Of(context);
        if (!call.RetryAllowed)
        {
            call.RetrySkippedAsUnsafe = true;
            return false;
        }

        // A Retry-After longer than the longest backoff is not waited for: the call ends with the gateway's answer.
        return RetryAfter(outcome.Result, time) is not { } wait || wait <= Settings.RetryBackoffMax;
    }
}
