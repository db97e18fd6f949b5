using Microsoft.Extensions.Time.Testing;
using Msil.Mcp.Apim.Resilience;

namespace Msil.Mcp.Apim.Tests.Resilience;

/// <summary>The seed's breaker semantics on a fake clock: 5 failures in 60 s open it for 30 s, then exactly one probe.</summary>
public sealed class CountingCircuitBreakerTests
{
    private readonly FakeTimeProvider _time = new();

    private CountingCircuitBreaker Seed() => new(5, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(30), _time);

    private static void Fail(CountingCircuitBreaker breaker, int times)
    {
        for (var i = 0; i < times; i++)
        {
            Assert.True(breaker.TryAcquire(out var probe, out _));
            breaker.OnFailure(probe);
        }
    }

    [Fact]
    public void OnFailure_FifthWithinWindow_Opens()
    {
        var breaker = Seed();
        Fail(breaker, 4);
        Assert.Equal(CircuitState.Closed, breaker.State);

        Assert.True(breaker.TryAcquire(out var probe, out _));
        Assert.Equal(CircuitState.Open, breaker.OnFailure(probe));

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.False(breaker.TryAcquire(out _, out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(30), retryAfter);
    }

    [Fact]
    public void OnFailure_FiveSpreadOverMoreThanTheWindow_StaysClosed()
    {
        var breaker = Seed();
        for (var i = 0; i < 10; i++)
        {
            Fail(breaker, 1);
            _time.Advance(TimeSpan.FromSeconds(16));
        }

        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void OnFailure_SlidingWindow_CountsOnlyTheLastSixtySeconds()
    {
        var breaker = Seed();
        Fail(breaker, 3);
        _time.Advance(TimeSpan.FromSeconds(45));
        Fail(breaker, 1);
        _time.Advance(TimeSpan.FromSeconds(20));

        // The first three are now 65 s old: the fifth failure in total is only the second in the window.
        Fail(breaker, 1);
        Assert.Equal(CircuitState.Closed, breaker.State);
        Fail(breaker, 2);
        Assert.Equal(CircuitState.Closed, breaker.State);
        Fail(breaker, 1);
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void OnSuccess_InClosedState_DoesNotResetTheCount()
    {
        var breaker = Seed();
        Fail(breaker, 4);
        Assert.True(breaker.TryAcquire(out var probe, out _));
        breaker.OnSuccess(probe);

        Fail(breaker, 1);

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void TryAcquire_DuringBreak_RefusesUntilTheBreakIsOver()
    {
        var breaker = Seed();
        Fail(breaker, 5);

        _time.Advance(TimeSpan.FromSeconds(29.9));
        Assert.False(breaker.TryAcquire(out _, out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(0.1), retryAfter);

        _time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        Assert.True(breaker.TryAcquire(out var isProbe, out _));
        Assert.True(isProbe);
    }

    [Fact]
    public void TryAcquire_HalfOpen_LetsExactlyOneProbeThrough()
    {
        var breaker = Seed();
        Fail(breaker, 5);
        _time.Advance(TimeSpan.FromSeconds(30));

        Assert.True(breaker.TryAcquire(out var first, out _));
        Assert.False(breaker.TryAcquire(out _, out _));
        Assert.False(breaker.TryAcquire(out _, out _));

        Assert.True(first);
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
    }

    [Fact]
    public void OnSuccess_Probe_ClosesAndForgetsEarlierFailures()
    {
        var breaker = Seed();
        Fail(breaker, 5);
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(breaker.TryAcquire(out var probe, out _));

        Assert.Equal(CircuitState.Closed, breaker.OnSuccess(probe));

        Fail(breaker, 4);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void OnFailure_Probe_OpensForAnotherBreak()
    {
        var breaker = Seed();
        Fail(breaker, 5);
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(breaker.TryAcquire(out var probe, out _));

        Assert.Equal(CircuitState.Open, breaker.OnFailure(probe));

        Assert.False(breaker.TryAcquire(out _, out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(30), retryAfter);
    }

    [Fact]
    public void OnIgnored_Probe_LetsTheNextAttemptProbe()
    {
        var breaker = Seed();
        Fail(breaker, 5);
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(breaker.TryAcquire(out var probe, out _));

        breaker.OnIgnored(probe);

        Assert.True(breaker.TryAcquire(out var next, out _));
        Assert.True(next);
    }

    [Fact]
    public void OnFailure_OfAttemptStartedBeforeOpening_IsNotCountedAgain()
    {
        var breaker = Seed();
        Assert.True(breaker.TryAcquire(out var late, out _));
        Fail(breaker, 5);
        _time.Advance(TimeSpan.FromSeconds(30));

        Assert.Null(breaker.OnFailure(late));

        Assert.Equal(CircuitState.HalfOpen, breaker.State);
    }

    [Fact]
    public void StateChanged_ReportsEachTransition()
    {
        var breaker = Seed();
        var changes = new List<string>();
        breaker.StateChanged += (from, to) => changes.Add($"{from}->{to}");

        Fail(breaker, 5);
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(breaker.TryAcquire(out var probe, out _));
        breaker.OnSuccess(probe);

        Assert.Equal(["Closed->Open", "Open->HalfOpen", "HalfOpen->Closed"], changes);
    }
}
