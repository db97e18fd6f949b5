namespace Msil.Mcp.Apim.Resilience;

/// <summary>The state of a gateway's circuit breaker; the numbers are the values of the <c>msil.mcp.apim.circuit.state</c> gauge.</summary>
internal enum CircuitState
{
    /// <summary>Calls go through; failures are counted.</summary>
    Closed = 0,

    /// <summary>The break is over: exactly one probe may go through; its outcome closes or reopens the breaker.</summary>
    HalfOpen = 1,

    /// <summary>Calls are refused without reaching the gateway.</summary>
    Open = 2,
}

/// <summary>
/// The seed's count-based circuit breaker (§3.1): it opens when <c>threshold</c> attempts failed within a sliding
/// <c>window</c>, stays open for <c>breakDuration</c>, then lets exactly one probe through. A successful probe closes it
/// (and forgets earlier failures); a failed one opens it again for another <c>breakDuration</c>.
/// </summary>
/// <remarks>
/// Successes do not reset the count: five failures in sixty seconds open the breaker whatever else succeeded in between,
/// which is the seed's rule. Polly's breaker counts a failure <em>ratio</em> instead, which is why this one is our own.
/// Thread-safe; the last <c>threshold</c> failure times live in a ring buffer, so recording allocates nothing.
/// </remarks>
internal sealed class CountingCircuitBreaker
{
    private readonly Lock _lock = new();
    private readonly long[] _failures;
    private readonly TimeProvider _time;
    private int _next;
    private int _count;
    private CircuitState _state;
    private long _openedAt;
    private bool _probeInFlight;

    public CountingCircuitBreaker(int threshold, TimeSpan window, TimeSpan breakDuration, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1);
        _failures = new long[threshold];
        Window = window;
        BreakDuration = breakDuration;
        _time = time;
    }

    /// <summary>Raised after the state changed, outside the lock, with the old and the new state.</summary>
    public event Action<CircuitState, CircuitState>? StateChanged;

    public TimeSpan Window { get; }

    public TimeSpan BreakDuration { get; }

    /// <summary>Gets the state as an operator should see it: an open breaker whose break is over reads as half-open.</summary>
    public CircuitState State
    {
        get
        {
            lock (_lock)
            {
                return _state == CircuitState.Open && _time.GetElapsedTime(_openedAt) >= BreakDuration ? CircuitState.HalfOpen : _state;
            }
        }
    }

    /// <summary>Asks to send one attempt.</summary>
    /// <param name="isProbe">Whether the attempt is the half-open probe; pass it back to <see cref="OnSuccess"/> and the others.</param>
    /// <param name="retryAfter">When refused, how long until a probe may go through.</param>
    /// <returns><see langword="true"/> when the attempt may go ahead.</returns>
    public bool TryAcquire(out bool isProbe, out TimeSpan retryAfter)
    {
        isProbe = false;
        retryAfter = TimeSpan.Zero;
        CircuitState? changedFrom = null;
        lock (_lock)
        {
            switch (_state)
            {
                case CircuitState.Closed:
                    return true;
                case CircuitState.Open:
                    var elapsed = _time.GetElapsedTime(_openedAt);
                    if (elapsed < BreakDuration)
                    {
                        retryAfter = BreakDuration - elapsed;
                        return false;
                    }

                    changedFrom = CircuitState.Open;
                    _state = CircuitState.HalfOpen;
                    _probeInFlight = true;
                    isProbe = true;
                    break;
                default:
                    if (_probeInFlight)
                    {
                        retryAfter = BreakDuration;
                        return false;
                    }

                    _probeInFlight = true;
                    isProbe = true;
                    break;
            }
        }

        if (changedFrom is { } from)
        {
            StateChanged?.Invoke(from, CircuitState.HalfOpen);
        }

        return true;
    }

    /// <summary>Records a successful attempt.</summary>
    /// <param name="isProbe">Whether it was the probe.</param>
    /// <returns>The new state when this changed it, else <see langword="null"/>.</returns>
    public CircuitState? OnSuccess(bool isProbe)
    {
        if (!isProbe)
        {
            return null;
        }

        lock (_lock)
        {
            if (_state != CircuitState.HalfOpen)
            {
                return null;
            }

            _state = CircuitState.Closed;
            _probeInFlight = false;
            _count = 0;
            _next = 0;
        }

        StateChanged?.Invoke(CircuitState.HalfOpen, CircuitState.Closed);
        return CircuitState.Closed;
    }

    /// <summary>Records a failed attempt.</summary>
    /// <param name="isProbe">Whether it was the probe.</param>
    /// <returns>The new state when this changed it, else <see langword="null"/>.</returns>
    public CircuitState? OnFailure(bool isProbe)
    {
        CircuitState from;
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            if (isProbe)
            {
                if (_state != CircuitState.HalfOpen)
                {
                    return null;
                }

                from = CircuitState.HalfOpen;
            }
            else
            {
                if (_state != CircuitState.Closed)
                {
                    // An attempt that started before the breaker opened: the breaker already knows.
                    return null;
                }

                _failures[_next] = now;
                _next = (_next + 1) % _failures.Length;
                _count = Math.Min(_count + 1, _failures.Length);

                // With the buffer full, _next points at the oldest of the last `threshold` failures.
                if (_count < _failures.Length || _time.GetElapsedTime(_failures[_next], now) > Window)
                {
                    return null;
                }

                from = CircuitState.Closed;
            }

            _state = CircuitState.Open;
            _openedAt = now;
            _probeInFlight = false;
            _count = 0;
            _next = 0;
        }

        StateChanged?.Invoke(from, CircuitState.Open);
        return CircuitState.Open;
    }

    /// <summary>Records an attempt whose outcome says nothing about the gateway (the caller cancelled it).</summary>
    /// <param name="isProbe">Whether it was the probe; if so, the next attempt may probe instead.</param>
    public void OnIgnored(bool isProbe)
    {
        if (!isProbe)
        {
            return;
        }

        lock (_lock)
        {
            if (_state == CircuitState.HalfOpen)
            {
                _probeInFlight = false;
            }
        }
    }
}
