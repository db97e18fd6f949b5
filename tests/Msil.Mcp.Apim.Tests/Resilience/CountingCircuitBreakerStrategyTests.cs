using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using Msil.Mcp.Apim.Resilience;
using Polly;
using Polly.CircuitBreaker;
using Polly.Telemetry;
using Polly.Timeout;

namespace Msil.Mcp.Apim.Tests.Resilience;

/// <summary>The count-based breaker as a Polly strategy on its own: options validation, the seed's rule, callbacks and Polly telemetry.</summary>
public sealed class CountingCircuitBreakerStrategyTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly RecordingListener _listener = new();
    private readonly List<string> _callbacks = [];

    private ResiliencePipeline<HttpResponseMessage> Pipeline(Action<CountingCircuitBreakerStrategyOptions>? configure = null)
    {
        var options = new CountingCircuitBreakerStrategyOptions
        {
            OnOpened = args =>
            {
                _callbacks.Add($"opened {args.BreakDuration.TotalSeconds}");
                return default;
            },
            OnClosed = _ =>
            {
                _callbacks.Add("closed");
                return default;
            },
            OnHalfOpened = _ =>
            {
                _callbacks.Add("half-opened");
                return default;
            },
            OnRejected = args =>
            {
                _callbacks.Add($"rejected {args.RetryAfter.TotalSeconds}");
                return default;
            },
        };
        configure?.Invoke(options);
        return new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = _time, Name = "test", InstanceName = "gw" }
            .AddCountingCircuitBreaker(options)
            .ConfigureTelemetry(new TelemetryOptions { TelemetryListeners = { _listener } })
            .Build();
    }

    private static ValueTask<Outcome<HttpResponseMessage>> Run(ResiliencePipeline<HttpResponseMessage> pipeline, Func<Outcome<HttpResponseMessage>> attempt, List<int>? calls = null)
    {
        var context = ResilienceContextPool.Shared.Get(TestContext.Current.CancellationToken);
        return Core();

        async ValueTask<Outcome<HttpResponseMessage>> Core()
        {
            try
            {
                return await pipeline.ExecuteOutcomeAsync(
                    (_, state) =>
                    {
                        state.Calls?.Add(1);
                        return new ValueTask<Outcome<HttpResponseMessage>>(state.Attempt());
                    },
                    context,
                    (Attempt: attempt, Calls: calls));
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
        }
    }

    private static Outcome<HttpResponseMessage> Status(int status) => Outcome.FromResult(new HttpResponseMessage((HttpStatusCode)status));

    [Fact]
    public void AddCountingCircuitBreaker_InvalidOptions_ThrowsNamingTheField()
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();

        var error = Assert.Throws<ValidationException>(() => builder.AddCountingCircuitBreaker(new CountingCircuitBreakerStrategyOptions
        {
            FailureThreshold = 0,
            BreakDuration = TimeSpan.Zero,
        }));

        Assert.Contains("FailureThreshold", error.Message, StringComparison.Ordinal);
        Assert.Contains("BreakDuration", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_Defaults_AreTheSeedsFigures()
    {
        var options = new CountingCircuitBreakerStrategyOptions();

        Assert.Equal(5, options.FailureThreshold);
        Assert.Equal(TimeSpan.FromSeconds(60), options.SamplingDuration);
        Assert.Equal(TimeSpan.FromSeconds(30), options.BreakDuration);
        Assert.Equal(CountingCircuitBreakerStrategyOptions.DefaultName, options.Name);
    }

    [Theory]
    [InlineData(500, true)]
    [InlineData(503, true)]
    [InlineData(408, true)]
    [InlineData(429, false)]
    [InlineData(404, false)]
    [InlineData(200, false)]
    public void IsFailure_Status_FollowsTheSeedsRule(int status, bool expected)
        => Assert.Equal(expected, CountingCircuitBreakerStrategyOptions.IsFailure(Status(status)));

    [Fact]
    public void IsFailure_Exceptions_OnlyTimeoutsAndConnectionFailuresCount()
    {
        Assert.True(CountingCircuitBreakerStrategyOptions.IsFailure(Outcome.FromException<HttpResponseMessage>(new TimeoutRejectedException())));
        Assert.True(CountingCircuitBreakerStrategyOptions.IsFailure(Outcome.FromException<HttpResponseMessage>(new HttpRequestException())));
        Assert.False(CountingCircuitBreakerStrategyOptions.IsFailure(Outcome.FromException<HttpResponseMessage>(new OperationCanceledException())));
    }

    [Fact]
    public async Task Execute_FifthFailureWithinWindow_OpensAndRefusesWithoutRunning()
    {
        var pipeline = Pipeline();
        var calls = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(10));
            await Run(pipeline, () => Status(503), calls);
        }

        _time.Advance(TimeSpan.FromSeconds(12));
        var refused = await Run(pipeline, () => Status(200), calls);

        Assert.IsType<BrokenCircuitException>(refused.Exception);
        Assert.Equal(5, calls.Count);
        Assert.Equal(["opened 30", "rejected 18"], _callbacks);
    }

    [Fact]
    public async Task Execute_SuccessesInBetween_DoNotResetTheCount()
    {
        var pipeline = Pipeline();
        for (var i = 0; i < 5; i++)
        {
            await Run(pipeline, () => Status(503));
            await Run(pipeline, () => Status(200));
        }

        Assert.IsType<BrokenCircuitException>((await Run(pipeline, () => Status(200))).Exception);
    }

    [Fact]
    public async Task Execute_FailuresSpreadOverMoreThanTheWindow_StayClosed()
    {
        var pipeline = Pipeline();
        for (var i = 0; i < 10; i++)
        {
            await Run(pipeline, () => Status(503));
            _time.Advance(TimeSpan.FromSeconds(16));
        }

        Assert.Null((await Run(pipeline, () => Status(200))).Exception);
        Assert.Empty(_callbacks);
    }

    [Fact]
    public async Task Execute_Throttled429AndCancellations_AreNotCounted()
    {
        var pipeline = Pipeline(o => o.FailureThreshold = 1);

        await Run(pipeline, () => Status(429));
        await Run(pipeline, () => Outcome.FromException<HttpResponseMessage>(new OperationCanceledException()));

        Assert.Equal(200, (int)(await Run(pipeline, () => Status(200))).Result!.StatusCode);
        Assert.Empty(_callbacks);
    }

    [Fact]
    public async Task Execute_AfterBreak_OneSuccessfulProbeCloses()
    {
        var pipeline = Pipeline(o => o.FailureThreshold = 1);
        await Run(pipeline, () => Status(503));
        _time.Advance(TimeSpan.FromSeconds(30));

        var probe = await Run(pipeline, () => Status(200));
        var after = await Run(pipeline, () => Status(200));

        Assert.Null(probe.Exception);
        Assert.Null(after.Exception);
        Assert.Equal(["opened 30", "half-opened", "closed"], _callbacks);
    }

    [Fact]
    public async Task Execute_ProbeInFlight_RefusesOthers()
    {
        var pipeline = Pipeline(o => o.FailureThreshold = 1);
        await Run(pipeline, () => Status(503));
        _time.Advance(TimeSpan.FromSeconds(30));

        Outcome<HttpResponseMessage>? during = null;
        var probe = await Run(pipeline, () =>
        {
            during = Run(pipeline, () => Status(200)).AsTask().GetAwaiter().GetResult();
            return Status(200);
        });

        Assert.Null(probe.Exception);
        Assert.IsType<BrokenCircuitException>(during!.Value.Exception);
        Assert.Equal(["opened 30", "half-opened", "rejected 30", "closed"], _callbacks);
    }

    [Fact]
    public async Task Execute_FailedProbe_OpensAgain()
    {
        var pipeline = Pipeline(o => o.FailureThreshold = 1);
        await Run(pipeline, () => Status(503));
        _time.Advance(TimeSpan.FromSeconds(30));

        await Run(pipeline, () => Outcome.FromException<HttpResponseMessage>(new HttpRequestException("refused")));
        var next = await Run(pipeline, () => Status(200));

        Assert.IsType<BrokenCircuitException>(next.Exception);
        Assert.Equal(["opened 30", "half-opened", "opened 30", "rejected 30"], _callbacks);
    }

    [Fact]
    public async Task Execute_CancelledProbe_LetsTheNextAttemptProbe()
    {
        var pipeline = Pipeline(o => o.FailureThreshold = 1);
        await Run(pipeline, () => Status(503));
        _time.Advance(TimeSpan.FromSeconds(30));

        await Run(pipeline, () => Outcome.FromException<HttpResponseMessage>(new OperationCanceledException()));
        var probe = await Run(pipeline, () => Status(200));

        Assert.Null(probe.Exception);
        Assert.Equal(["opened 30", "half-opened", "half-opened", "closed"], _callbacks);
    }

    [Fact]
    public async Task Execute_CustomShouldHandle_DecidesWhatCounts()
    {
        var pipeline = Pipeline(o =>
        {
            o.FailureThreshold = 1;
            o.ShouldHandle = args => new ValueTask<bool>(args.Outcome.Result?.StatusCode == HttpStatusCode.Conflict);
        });

        await Run(pipeline, () => Status(503));
        Assert.Null((await Run(pipeline, () => Status(200))).Exception);
        await Run(pipeline, () => Status(409));

        Assert.IsType<BrokenCircuitException>((await Run(pipeline, () => Status(200))).Exception);
    }

    [Fact]
    public async Task Execute_StateChangesAndRefusals_AreReportedAsPollyResilienceEvents()
    {
        var pipeline = Pipeline(o => o.FailureThreshold = 1);
        await Run(pipeline, () => Status(503));
        await Run(pipeline, () => Status(200));
        _time.Advance(TimeSpan.FromSeconds(30));
        await Run(pipeline, () => Status(200));

        Assert.Equal(["OnCircuitOpened", "OnCircuitRejected", "OnCircuitHalfOpened", "OnCircuitClosed"], _listener.Events.Select(e => e.EventName));
        Assert.Equal(
            [ResilienceEventSeverity.Error, ResilienceEventSeverity.Debug, ResilienceEventSeverity.Warning, ResilienceEventSeverity.Information],
            _listener.Events.Select(e => e.Severity));
        Assert.All(_listener.Sources, s => Assert.Equal(("test", "gw", CountingCircuitBreakerStrategyOptions.DefaultName), s));
    }

    private sealed class RecordingListener : TelemetryListener
    {
        public List<ResilienceEvent> Events { get; } = [];

        public List<(string?, string?, string?)> Sources { get; } = [];

        public override void Write<TResult, TArgs>(in TelemetryEventArguments<TResult, TArgs> args)
        {
            if (args.Event.EventName.StartsWith("OnCircuit", StringComparison.Ordinal))
            {
                Events.Add(args.Event);
                Sources.Add((args.Source.PipelineName, args.Source.PipelineInstanceName, args.Source.StrategyName));
            }
        }
    }
}
