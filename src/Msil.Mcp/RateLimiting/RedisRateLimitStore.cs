using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using Msil.Mcp.Diagnostics;
using StackExchange.Redis;

namespace Msil.Mcp.RateLimiting;

/// <summary>
/// Token buckets in Redis, shared by every replica. Each bucket is one hash (<c>t</c> tokens, <c>s</c> last refill in
/// milliseconds) read, refilled, taken from and written back by ONE Lua script, so concurrent calls through any number
/// of replicas never both take the last token. The script runs by EVALSHA and is sent with EVAL only when the server
/// does not know it (after a restart or <c>SCRIPT FLUSH</c>). Every bucket gets a TTL of the time it takes to refill
/// completely: a key that expired is a full bucket, so nothing is lost and idle users leave nothing behind.
/// While Redis cannot be reached, calls fall back to the per-replica <see cref="InMemoryRateLimitStore"/> (or are
/// refused, per <see cref="RateLimitOptions.WhenRedisUnavailable"/>); a warning is logged once per outage.
/// </summary>
internal sealed class RedisRateLimitStore : IRateLimitStore
{
    /// <summary>KEYS[1] bucket; ARGV: tokens per millisecond, burst, now in ms (empty: the server's TIME), TTL in ms. Returns {acquired, wait ms}.</summary>
    internal const string Script = """
        local rate = tonumber(ARGV[1])
        local burst = tonumber(ARGV[2])
        local now = tonumber(ARGV[3])
        if not now then
          local t = redis.call('TIME')
          now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        end
        local b = redis.call('HMGET', KEYS[1], 't', 's')
        local tokens = tonumber(b[1]) or burst
        local stamp = tonumber(b[2]) or now
        if now > stamp then
          tokens = math.min(burst, tokens + (now - stamp) * rate)
        else
          now = stamp
        end
        local acquired = 0
        local wait = 0
        if tokens >= 1 then
          tokens = tokens - 1
          acquired = 1
        else
          wait = math.ceil((1 - tokens) / rate)
        end
        redis.call('HSET', KEYS[1], 't', tostring(tokens), 's', tostring(now))
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        return {acquired, wait}
        """;

    // Redis names scripts by the SHA-1 of their text; this is an identifier, not a security use.
#pragma warning disable CA5350
    private static readonly byte[] ScriptSha = SHA1.HashData(Encoding.UTF8.GetBytes(Script));
#pragma warning restore CA5350

    private readonly RateLimitRedisConnection _connection;
    private readonly InMemoryRateLimitStore _fallback;
    private readonly IOptionsMonitor<RateLimitOptions> _options;
    private readonly TimeProvider _time;
    private readonly MsilMcpMetrics _metrics;
    private readonly ILogger<RedisRateLimitStore> _logger;
    private int _unavailable;
    private string? _lastError;

    public RedisRateLimitStore(
        RateLimitRedisConnection connection,
        InMemoryRateLimitStore fallback,
        IOptionsMonitor<RateLimitOptions> options,
        TimeProvider time,
        MsilMcpMetrics metrics,
        ILogger<RedisRateLimitStore> logger)
    {
        _connection = connection;
        _fallback = fallback;
        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>Gets whether the last attempt to reach Redis failed (limits are per replica, or calls refused, until it answers).</summary>
    public bool IsUnavailable => Volatile.Read(ref _unavailable) == 1;

    /// <summary>Gets the error type of the current outage, if any.</summary>
    public string? LastError => Volatile.Read(ref _lastError);

    public async ValueTask<RateLimitLease> TryAcquireAsync(string key, RateLimitRule rule, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var o = _options.CurrentValue;
        var perMillisecond = rule.PermitsPerMinute / 60_000.0;
        var ttl = (long)Math.Ceiling(rule.Burst / perMillisecond) + 1000;
        var now = o.RedisClock == RateLimitClock.Host ? _time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) : string.Empty;
        RedisValue[] args = [perMillisecond.ToString("R", CultureInfo.InvariantCulture), rule.Burst, now, ttl];

        RedisResult result;
        try
        {
            var db = await _connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
            result = await EvaluateAsync(db, key, args).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            return await UnavailableAsync(key, rule, ex, o, cancellationToken).ConfigureAwait(false);
        }

        if (Interlocked.Exchange(ref _unavailable, 0) == 1)
        {
            Volatile.Write(ref _lastError, null);
            Log.RateLimitStoreRecovered(_logger);
        }

        var parts = (RedisResult[])result!;
        var acquired = (long)parts[0] == 1;
        return new RateLimitLease(acquired, acquired ? TimeSpan.Zero : TimeSpan.FromMilliseconds((long)parts[1]));
    }

    internal static Task<RedisResult> EvaluateAsync(IDatabaseAsync db, RedisKey key, RedisValue[] args) => EvaluateAsync(db, Script, ScriptSha, key, args);

    /// <summary>EVALSHA of <paramref name="sha"/>; EVAL of <paramref name="script"/> when the server answers NOSCRIPT.</summary>
    internal static async Task<RedisResult> EvaluateAsync(IDatabaseAsync db, string script, byte[] sha, RedisKey key, RedisValue[] args)
    {
        try
        {
            return await db.ScriptEvaluateAsync(sha, [key], args).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            // The server lost its script cache (restart, failover, SCRIPT FLUSH): EVAL sends the text and caches it again.
            return await db.ScriptEvaluateAsync(script, [key], args).ConfigureAwait(false);
        }
    }

    private ValueTask<RateLimitLease> UnavailableAsync(string key, RateLimitRule rule, Exception ex, RateLimitOptions o, CancellationToken cancellationToken)
    {
        var refuse = o.WhenRedisUnavailable == RateLimitUnavailableMode.Refuse;
        Volatile.Write(ref _lastError, ex.GetType().Name);
        if (Interlocked.Exchange(ref _unavailable, 1) == 0)
        {
            Log.RateLimitStoreUnavailable(_logger, ex.GetType().Name, refuse ? "calls are refused" : "limits are kept per replica in memory");
        }

        _metrics.RateLimitStoreUnavailable(refuse ? "refused" : "memory");
        if (refuse)
        {
            throw new McpException("The call was not run: the shared rate-limit store cannot be reached. Retry in a few seconds.");
        }

        return _fallback.TryAcquireAsync(key, rule, cancellationToken);
    }
}
