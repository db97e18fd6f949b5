namespace Msil.Mcp.RateLimiting;

/// <summary>Rate limits of governed calls, bound from <c>Msil:Mcp:RateLimit</c>: token buckets per user and per user and tool.</summary>
public sealed class RateLimitOptions
{
    /// <summary>Gets or sets whether calls are rate limited.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets the bucket every call of a user draws from, whatever the tool.</summary>
    /// <value>Defaults to 600 calls a minute with bursts of 120.</value>
    public RateLimitRule PerUser { get; } = new() { PermitsPerMinute = 600, Burst = 120 };

    /// <summary>Gets the bucket per user and read tool.</summary>
    /// <value>Defaults to 120 calls a minute with bursts of 60.</value>
    public RateLimitRule Read { get; } = new() { PermitsPerMinute = 120, Burst = 60 };

    /// <summary>Gets the bucket per user and write tool.</summary>
    /// <value>Defaults to 30 calls a minute with bursts of 10.</value>
    public RateLimitRule Write { get; } = new() { PermitsPerMinute = 30, Burst = 10 };

    /// <summary>Gets the bucket per user and privileged tool.</summary>
    /// <value>Defaults to 10 calls a minute with bursts of 5.</value>
    public RateLimitRule Privileged { get; } = new() { PermitsPerMinute = 10, Burst = 5 };

    /// <summary>Gets or sets where the buckets are kept.</summary>
    /// <value>Defaults to <see cref="RateLimitStoreKind.Memory"/>: per replica, so N replicas allow N times the limit.</value>
    public RateLimitStoreKind Store { get; set; } = RateLimitStoreKind.Memory;

    /// <summary>
    /// Gets or sets the prefix of every bucket key; a bucket is <c>{prefix}{user}</c> or <c>{prefix}{user}:{tool}</c>.
    /// </summary>
    /// <value>Defaults to <c>msil:rl:</c> (seed §8).</value>
    public string KeyPrefix { get; set; } = "msil:rl:";

    /// <summary>
    /// Gets or sets the Redis connection string (StackExchange.Redis syntax, for example
    /// <c>redis:6379,password=…,ssl=true</c>), required when <see cref="Store"/> is <see cref="RateLimitStoreKind.Redis"/>.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? RedisConnectionString { get; set; }

    /// <summary>
    /// Gets or sets whether Production accepts <see cref="RedisConnectionString"/> without TLS or without a password. Without it a Production host
    /// refuses to start when <see cref="RedisConnectionString"/> lacks either (seed §8.2); with it the host starts and logs a warning.
    /// </summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool AllowInsecureRedis { get; set; }

    /// <summary>
    /// Gets or sets the connect, command and socket timeout towards Redis, applied unless the connection string sets
    /// <c>connectTimeout</c>, <c>syncTimeout</c> or <c>asyncTimeout</c> itself.
    /// </summary>
    /// <value>Defaults to 5 seconds (seed §8).</value>
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets a PEM or DER file with the certificate authority of the Redis server's TLS certificate, for a
    /// connection string with <c>ssl=true</c> whose server certificate the machine does not trust.
    /// </summary>
    /// <value>Defaults to <see langword="null"/> (the machine's trust store).</value>
    public string? RedisCaCertificatePath { get; set; }

    /// <summary>Gets or sets which clock refills the Redis buckets.</summary>
    /// <value>Defaults to <see cref="RateLimitClock.Redis"/>: the server's <c>TIME</c>, one clock for every replica.</value>
    public RateLimitClock RedisClock { get; set; } = RateLimitClock.Redis;

    /// <summary>Gets or sets what happens to a call while Redis cannot be reached.</summary>
    /// <value>Defaults to <see cref="RateLimitUnavailableMode.FallBackToMemory"/>.</value>
    public RateLimitUnavailableMode WhenRedisUnavailable { get; set; } = RateLimitUnavailableMode.FallBackToMemory;
}

/// <summary>Where rate-limit buckets are kept.</summary>
public enum RateLimitStoreKind
{
    /// <summary>In the process's memory: limits hold per replica.</summary>
    Memory,

    /// <summary>In Redis, shared by every replica: each bucket is one hash updated by one atomic Lua script.</summary>
    Redis,
}

/// <summary>The clock that refills Redis buckets.</summary>
public enum RateLimitClock
{
    /// <summary>The Redis server's <c>TIME</c>: every replica refills by the same clock.</summary>
    Redis,

    /// <summary>The host's <see cref="TimeProvider"/>, passed to the script (for tests with a fake clock, or Redis without <c>TIME</c> in scripts).</summary>
    Host,
}

/// <summary>What a call meets while the shared rate-limit store cannot be reached.</summary>
public enum RateLimitUnavailableMode
{
    /// <summary>Limits are kept per replica in memory until Redis answers again (a warning once per outage, a metric, readiness degraded).</summary>
    FallBackToMemory,

    /// <summary>Calls are refused until Redis answers again (fail closed).</summary>
    Refuse,
}

/// <summary>One token bucket: refilled at <see cref="PermitsPerMinute"/>, holding at most <see cref="Burst"/>.</summary>
public sealed class RateLimitRule
{
    /// <summary>Gets or sets the refill rate.</summary>
    public int PermitsPerMinute { get; set; }

    /// <summary>Gets or sets the bucket's size: how many calls may come at once.</summary>
    public int Burst { get; set; }
}
