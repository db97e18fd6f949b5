using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Apim.Resilience;
using Msil.Mcp.Apim.Tests.Infrastructure;

namespace Msil.Mcp.Apim.Tests.Resilience;

/// <summary>
/// A gateway's pipeline against a loopback backend with fault injection: retries only where safe, the same
/// Idempotency-Key on every attempt, Retry-After, timeouts, dropped connections and the seed's circuit breaker.
/// Timings are small (10 ms backoff, 300 ms break) so the suite runs in seconds.
/// </summary>
public sealed class GatewayRuntimeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ToolDefinition Get => ApimHarness.Tool("get_vehicle_inventory", "GET", "/v1/inventory");

    private static ToolDefinition Payment(bool? idempotent = null)
        => ApimHarness.Tool("process_payment", "POST", "/v1/payments",
            [new HttpParameterBinding("amount", "amount", ParameterLocation.Body)], RiskLevel.Write, idempotent);

    [Fact]
    public async Task Pipeline_GetBurst503_IsRetriedUntilItSucceeds()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Enqueue(Reply.Status503, Reply.Status503);
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));
        using var retries = Collector<long>(harness, "msil.mcp.apim.retries");

        var result = await harness.CallAsync(Get);

        Assert.False(result.IsError, result.Text);
        Assert.Equal(3, backend.Count);
        Assert.Equal(2, retries.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.All(retries.GetMeasurementSnapshot(), m => Assert.Equal("503", m.Tags["error.type"]));
    }

    [Fact]
    public async Task Pipeline_GetAlways503_StopsAfterThreeRetries()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = Reply.Status503;
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));

        var result = await harness.CallAsync(Get);

        Assert.True(result.IsError);
        Assert.Equal(503, result.BackendStatus);
        Assert.Equal(4, backend.Count);
        Assert.Contains("tried 4 times", result.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(408)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(504)]
    public async Task Pipeline_GetTransientStatus_IsRetried(int status)
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Enqueue(new Reply { Status = status });
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));

        var result = await harness.CallAsync(Get);

        Assert.False(result.IsError, result.Text);
        Assert.Equal(2, backend.Count);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(404)]
    [InlineData(409)]
    public async Task Pipeline_GetClientError_IsNotRetried(int status)
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = new Reply { Status = status };
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));

        var result = await harness.CallAsync(Get);

        Assert.True(result.IsError);
        Assert.Equal(1, backend.Count);
    }

    [Fact]
    public async Task Pipeline_PostWithoutIdempotencyOptIn_IsNeverRetried()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = Reply.Status503;
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));

        var result = await harness.CallAsync(Payment(), """{"amount":100}""", idempotencyKey: "mcp-pay-1");

        Assert.True(result.IsError);
        var only = Assert.Single(backend.Requests);
        Assert.Equal("mcp-pay-1", only.Header("Idempotency-Key"));
        Assert.Contains("not retried", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pipeline_PostWithoutOptInDroppedConnection_IsNotRetriedAndSaysItMayHaveApplied()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = new Reply { Abort = true };
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));

        var result = await harness.CallAsync(Payment(), """{"amount":100}""");

        Assert.True(result.IsError);
        Assert.Equal(1, backend.Count);
        Assert.Contains("may or may not have applied it", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pipeline_PostIdempotentTool_IsRetriedWithTheSameKeyOnEveryAttempt()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Enqueue(Reply.Status503, new Reply { Abort = true }, Reply.Json("""{"paymentId":"P-1"}""", 201));
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));

        var result = await harness.CallAsync(Payment(idempotent: true), """{"amount":100}""", idempotencyKey: "mcp-pay-2");

        Assert.False(result.IsError, result.Text);
        Assert.Equal(3, backend.Count);
        Assert.All(backend.Requests, r =>
        {
            Assert.Equal("mcp-pay-2", r.Header("Idempotency-Key"));
            Assert.Equal("""{"amount":100}""", r.BodyText);
        });
    }

    [Fact]
    public async Task Pipeline_PostIdempotentToolResponseLostAfterCharge_PaymentIsMadeOnce()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        var ledger = new PaymentLedger();

        // The first attempt charges, then the connection drops before the answer; the retry carries the same key.
        backend.Enqueue(new Reply { Action = r => { ledger.Charge(r); return new Reply { Abort = true }; } });
        backend.Default = new Reply { Action = r => Reply.Json($$"""{"paymentId":"{{ledger.Charge(r)}}"}""", 201) };
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));

        var result = await harness.CallAsync(Payment(idempotent: true), """{"amount":100}""");

        Assert.False(result.IsError, result.Text);
        Assert.Equal(2, backend.Count);
        Assert.Equal(1, ledger.Charges);
        Assert.Equal("P-1", result.StructuredContent!.Value.GetProperty("paymentId").GetString());
    }

    [Fact]
    public async Task Pipeline_Get429WithRetryAfter_WaitsAsAskedThenRetries()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Enqueue(new Reply { Status = 429, Headers = new Dictionary<string, string> { ["Retry-After"] = "1" } });
        await using var harness = ApimHarness.Create(o =>
        {
            ApimHarness.Fast(o, backend.Url);
            o.RetryBackoffMax = TimeSpan.FromSeconds(2);
        });
        var watch = Stopwatch.StartNew();

        var result = await harness.CallAsync(Get);

        Assert.False(result.IsError, result.Text);
        Assert.Equal(2, backend.Count);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(950), watch.Elapsed.ToString());
    }

    [Fact]
    public async Task Pipeline_Get429WithRetryAfterLongerThanMaxBackoff_IsNotWaitedFor()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = new Reply { Status = 429, Headers = new Dictionary<string, string> { ["Retry-After"] = "120" } };
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));

        var result = await harness.CallAsync(Get);

        Assert.True(result.IsError);
        Assert.Equal(429, result.BackendStatus);
        Assert.Equal(1, backend.Count);
        Assert.Contains("asks to wait 120 s", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pipeline_GetSlowAnswers_TimeOutPerAttemptAndAreRetried()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Enqueue(new Reply { Delay = TimeSpan.FromSeconds(5) }, new Reply { Delay = TimeSpan.FromSeconds(5) });
        await using var harness = ApimHarness.Create(o =>
        {
            ApimHarness.Fast(o, backend.Url);
            // Wide enough that the third, prompt answer arrives in time on a loaded machine (at 200 ms it once did not).
            o.ReadTimeout = TimeSpan.FromSeconds(1);
        });
        using var timeouts = Collector<long>(harness, "msil.mcp.apim.timeouts");

        var result = await harness.CallAsync(Get);

        // Two 5 s answers cut by the per-attempt timeout and retried, then the prompt third: no timing asserted, the
        // count of requests and of attempt timeouts says it.
        Assert.False(result.IsError, result.Text);
        Assert.Equal(3, backend.Count);
        Assert.Equal(2, timeouts.GetMeasurementSnapshot().Count(m => (string?)m.Tags["msil.apim.timeout.kind"] == "attempt"));
    }

    [Fact]
    public async Task Pipeline_GetAlwaysSlow_StopsAtTheOverallLimit()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = new Reply { Delay = TimeSpan.FromSeconds(5) };
        await using var harness = ApimHarness.Create(o =>
        {
            ApimHarness.Fast(o, backend.Url);
            o.ReadTimeout = TimeSpan.FromMilliseconds(300);
            o.TotalTimeout = TimeSpan.FromMilliseconds(500);
        });

        var result = await harness.CallAsync(Get);

        // The overall limit, not the backend's 5 s, ended the call: the error names TotalTimeout.
        Assert.True(result.IsError);
        Assert.Contains("time limit", result.Text, StringComparison.Ordinal);
        Assert.Contains("TotalTimeout", result.Text, StringComparison.Ordinal);
        Assert.InRange(backend.Count, 1, 2);
    }

    [Fact]
    public async Task Pipeline_PostWithoutOptInSlowAnswer_TimesOutWithoutRetry()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = new Reply { Delay = TimeSpan.FromSeconds(5) };
        await using var harness = ApimHarness.Create(o =>
        {
            ApimHarness.Fast(o, backend.Url);
            o.ReadTimeout = TimeSpan.FromMilliseconds(200);
        });

        var result = await harness.CallAsync(Payment(), """{"amount":5}""");

        Assert.True(result.IsError);
        Assert.Equal(1, backend.Count);
        Assert.Contains("did not answer within 0.2 s", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pipeline_GetDroppedConnection_IsRetried()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Enqueue(new Reply { Abort = true });
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));

        var result = await harness.CallAsync(Get);

        Assert.False(result.IsError, result.Text);
        Assert.Equal(2, backend.Count);
    }

    [Fact]
    public async Task Pipeline_GetNothingListening_IsAConnectionError()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        await using var harness = ApimHarness.Create(o =>
        {
            ApimHarness.Fast(o, new Uri($"http://127.0.0.1:{port}"));
            o.RetryMaxAttempts = 1;
        });

        var result = await harness.CallAsync(Get);

        Assert.True(result.IsError);
        Assert.Contains("could not be reached", result.Text, StringComparison.Ordinal);
        Assert.Contains("tried 2 times", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Breaker_FifthFailure_OpensAndStopsCallingTheBackend()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = Reply.Status503;
        await using var harness = ApimHarness.Create(o =>
        {
            ApimHarness.Fast(o, backend.Url);
            o.RetryMaxAttempts = 0;
            o.CircuitBreakerBreakDuration = TimeSpan.FromSeconds(30);
        });
        using var state = Collector<int>(harness, "msil.mcp.apim.circuit.state");

        for (var i = 0; i < 5; i++)
        {
            var failed = await harness.CallAsync(Get);
            Assert.Equal(503, failed.BackendStatus);
        }

        for (var i = 0; i < 3; i++)
        {
            var refused = await harness.CallAsync(Get);
            Assert.True(refused.IsError);
            Assert.Null(refused.BackendStatus);
            Assert.Contains("circuit breaker is open", refused.Text, StringComparison.Ordinal);
        }

        Assert.Equal(5, backend.Count);
        state.RecordObservableInstruments();
        var open = state.LastMeasurement!;
        Assert.Equal(2, open.Value);
        Assert.Equal("default", open.Tags["msil.apim.gateway"]);
    }

    [Fact]
    public async Task Breaker_WithRetries_OpensOnTheFifthFailedAttempt()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = Reply.Status503;
        await using var harness = ApimHarness.Create(o =>
        {
            ApimHarness.Fast(o, backend.Url);
            o.CircuitBreakerBreakDuration = TimeSpan.FromSeconds(30);
        });

        var first = await harness.CallAsync(Get);
        var second = await harness.CallAsync(Get);

        Assert.Equal(503, first.BackendStatus);
        Assert.Contains("circuit breaker is open", second.Text, StringComparison.Ordinal);
        Assert.Equal(5, backend.Count);
    }

    [Fact]
    public async Task Breaker_AfterBreak_LetsExactlyOneProbeThroughThenCloses()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Enqueue(Reply.Status503, Reply.Status503, Reply.Status503, Reply.Status503, Reply.Status503);
        await using var harness = ApimHarness.Create(o =>
        {
            ApimHarness.Fast(o, backend.Url);
            o.RetryMaxAttempts = 0;
        });
        using var state = Collector<int>(harness, "msil.mcp.apim.circuit.state");
        for (var i = 0; i < 5; i++)
        {
            await harness.CallAsync(Get);
        }

        await Task.Delay(TimeSpan.FromMilliseconds(350), Ct);
        state.RecordObservableInstruments();
        Assert.Equal(1, state.LastMeasurement!.Value);

        // The probe is slow; while it is in flight every other call is refused without reaching the backend.
        backend.Enqueue(new Reply { Delay = TimeSpan.FromMilliseconds(300), Body = """{"ok":true}""" });
        var probe = harness.CallAsync(Get);
        await backend.WaitForAsync(6, Ct);
        var during = await harness.CallAsync(Get);
        Assert.Contains("circuit breaker is open", during.Text, StringComparison.Ordinal);
        Assert.Equal(6, backend.Count);

        var probed = await probe;
        Assert.False(probed.IsError, probed.Text);
        var after = await harness.CallAsync(Get);
        Assert.False(after.IsError, after.Text);
        Assert.Equal(7, backend.Count);
        state.RecordObservableInstruments();
        Assert.Equal(0, state.LastMeasurement!.Value);
    }

    [Fact]
    public async Task Breaker_FailedProbe_OpensAgain()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = Reply.Status503;
        await using var harness = ApimHarness.Create(o =>
        {
            ApimHarness.Fast(o, backend.Url);
            o.RetryMaxAttempts = 0;
        });
        for (var i = 0; i < 5; i++)
        {
            await harness.CallAsync(Get);
        }

        await Task.Delay(TimeSpan.FromMilliseconds(350), Ct);
        var probe = await harness.CallAsync(Get);
        var next = await harness.CallAsync(Get);

        Assert.Equal(503, probe.BackendStatus);
        Assert.Contains("circuit breaker is open", next.Text, StringComparison.Ordinal);
        Assert.Equal(6, backend.Count);
    }

    [Fact]
    public async Task Breaker_IsPerGateway()
    {
        await using var failing = await ScriptedBackend.StartAsync();
        failing.Default = Reply.Status503;
        await using var healthy = await ScriptedBackend.StartAsync();
        await using var harness = ApimHarness.Create(o =>
        {
            ApimHarness.Fast(o, failing.Url);
            o.RetryMaxAttempts = 0;
            o.CircuitBreakerBreakDuration = TimeSpan.FromSeconds(30);
            var other = new ApimGatewayOptions();
            ApimHarness.Fast(other, healthy.Url);
            o.Gateways["healthy"] = other;
        });
        for (var i = 0; i < 6; i++)
        {
            await harness.CallAsync(Get);
        }

        var result = await harness.CallAsync(ApimHarness.Tool("other", "GET", "/v1/inventory", gateway: "healthy"));

        Assert.False(result.IsError, result.Text);
        Assert.Equal(5, failing.Count);
        Assert.Equal(1, healthy.Count);
    }

    [Fact]
    public async Task Breaker_Throttling429_DoesNotOpenIt()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = new Reply { Status = 429 };
        await using var harness = ApimHarness.Create(o =>
        {
            ApimHarness.Fast(o, backend.Url);
            o.RetryMaxAttempts = 0;
        });

        for (var i = 0; i < 7; i++)
        {
            await harness.CallAsync(Get);
        }

        Assert.Equal(7, backend.Count);
    }

    [Fact]
    public async Task Pipeline_Retry_IsATraceEventOfTheCallSpan()
    {
        var events = new List<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Msil.Mcp.Apim",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (a.GetTagItem("mcp.tool.name") as string == "traced_tool")
                {
                    lock (events)
                    {
                        events.AddRange(a.Events.Select(e => e.Name));
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Enqueue(Reply.Status503);
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));

        await harness.CallAsync(ApimHarness.Tool("traced_tool", "GET", "/v1/x"));

        Assert.Equal(["retry"], events);
    }

    [Fact]
    public async Task CreatePrimaryHandler_AppliesConnectTimeoutTlsAndSharedPoolRules()
    {
        await using var harness = ApimHarness.Create(o =>
        {
            o.GatewayUrl = new Uri("https://apim.example");
            o.ConnectTimeout = TimeSpan.FromSeconds(4);
            o.PooledConnectionLifetime = TimeSpan.FromMinutes(2);
        });
        Assert.True(harness.Services.GetRequiredService<ApimGatewayRegistry>().TryGet(null, out var gateway));

        using var handler = gateway.CreatePrimaryHandler();

        Assert.Equal(TimeSpan.FromSeconds(4), handler.ConnectTimeout);
        Assert.Equal(TimeSpan.FromMinutes(2), handler.PooledConnectionLifetime);
        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, handler.SslOptions.EnabledSslProtocols);
        Assert.False(handler.UseCookies);
        Assert.False(handler.AllowAutoRedirect);
        Assert.Equal("Msil.Mcp.Apim", gateway.ClientName);
    }

    [Fact]
    public async Task Pipeline_Call_RecordsRequestDurationAndOutcome()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Enqueue(Reply.Status503);
        await using var harness = ApimHarness.Create(o => ApimHarness.Fast(o, backend.Url));
        using var requests = Collector<long>(harness, "msil.mcp.apim.requests");
        using var duration = Collector<double>(harness, "msil.mcp.apim.duration");

        await harness.CallAsync(Get);

        var request = Assert.Single(requests.GetMeasurementSnapshot());
        Assert.Equal(1, request.Value);
        Assert.Equal("default", request.Tags["msil.apim.gateway"]);
        Assert.Equal("success", request.Tags["msil.apim.outcome"]);
        Assert.Equal(200, request.Tags["http.response.status_code"]);
        Assert.True(Assert.Single(duration.GetMeasurementSnapshot()).Value > 0);
    }

    [Fact]
    public async Task Breaker_Rejection_IsCountedAndTraced()
    {
        var events = new List<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Msil.Mcp.Apim",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (a.GetTagItem("mcp.tool.name") as string == "breaker_traced")
                {
                    lock (events)
                    {
                        events.AddRange(a.Events.Select(e => e.Name));
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = Reply.Status503;
        await using var harness = ApimHarness.Create(o =>
        {
            ApimHarness.Fast(o, backend.Url);
            o.RetryMaxAttempts = 0;
            o.CircuitBreakerThreshold = 1;
            o.CircuitBreakerBreakDuration = TimeSpan.FromSeconds(30);
        });
        using var rejections = Collector<long>(harness, "msil.mcp.apim.circuit.rejections");
        var tool = ApimHarness.Tool("breaker_traced", "GET", "/v1/x");

        await harness.CallAsync(tool);
        var refused = await harness.CallAsync(tool);

        Assert.Contains("try again in about 30 s", refused.Text, StringComparison.Ordinal);
        Assert.Equal(1, rejections.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(["circuit_breaker.opened", "circuit_breaker.rejected"], events);
    }

    private static MetricCollector<T> Collector<T>(ApimHarness harness, string instrument)
        where T : struct
        => new(harness.Services.GetRequiredService<IMeterFactory>(), "Msil.Mcp.Apim", instrument);

    /// <summary>A payment backend that honours Idempotency-Key: one charge per key.</summary>
    private sealed class PaymentLedger
    {
        private readonly Dictionary<string, string> _byKey = new(StringComparer.Ordinal);

        public int Charges { get; private set; }

        public string Charge(RecordedRequest request)
        {
            var key = request.Header("Idempotency-Key") ?? Guid.NewGuid().ToString("N");
            lock (_byKey)
            {
                if (!_byKey.TryGetValue(key, out var id))
                {
                    Charges++;
                    id = "P-" + Charges;
                    _byKey[key] = id;
                }

                return id;
            }
        }
    }
}
