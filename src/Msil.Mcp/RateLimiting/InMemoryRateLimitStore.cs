using System.Collections.Concurrent;

namespace Msil.Mcp.RateLimiting;

/// <summary>Token buckets in memory, refilled from the <see cref="TimeProvider"/>'s clock. Idle buckets are dropped when there are many.</summary>
internal sealed class InMemoryRateLimitStore(TimeProvider time) : IRateLimitStore
{
    private const int TrimThreshold = 100_000;
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    public ValueTask<RateLimitLease> TryAcquireAsync(string key, RateLimitRule rule, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var now = time.GetTimestamp();
        if (_buckets.Count > TrimThreshold)
        {
            Trim(now);
        }

        var bucket = _buckets.GetOrAdd(key, static (_, state) => new Bucket(state.Burst, state.Now), (rule.Burst, Now: now));
        return new(bucket.TryTake(rule, now, time.TimestampFrequency));
    }

    private void Trim(long now)
    {
        foreach (var (key, bucket) in _buckets)
        {
            if (bucket.IdleSeconds(now, time.TimestampFrequency) > 600)
            {
                _buckets.TryRemove(key, out _);
            }
        }
    }

    private sealed class Bucket(double tokens, long stamp)
    {
        private readonly Lock _gate = new();
        private double _tokens = tokens;
        private long _stamp = stamp;

        public RateLimitLease TryTake(RateLimitRule rule, long now, long frequency)
        {
            var perSecond = rule.PermitsPerMinute / 60.0;
            lock (_gate)
            {
                var elapsed = Math.Max(0, now - _stamp) / (double)frequency;
                _tokens = Math.Min(rule.Burst, _tokens + (elapsed * perSecond));
                _stamp = now;
                if (_tokens >= 1)
                {
                    _tokens -= 1;
                    return new RateLimitLease(true, TimeSpan.Zero);
                }

                var wait = perSecond <= 0 ? TimeSpan.FromMinutes(1) : TimeSpan.FromSeconds((1 - _tokens) / perSecond);
                return new RateLimitLease(false, wait);
            }
        }

        public double IdleSeconds(long now, long frequency)
        {
            lock (_gate)
            {
                return (now - _stamp) / (double)frequency;
            }
        }
    }
}
