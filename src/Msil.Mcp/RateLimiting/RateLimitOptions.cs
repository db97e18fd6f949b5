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
}

/// <summary>One token bucket: refilled at <see cref="PermitsPerMinute"/>, holding at most <see cref="Burst"/>.</summary>
public sealed class RateLimitRule
{
    /// <summary>Gets or sets the refill rate.</summary>
    public int PermitsPerMinute { get; set; }

    /// <summary>Gets or sets the bucket's size: how many calls may come at once.</summary>
    public int Burst { get; set; }
}
