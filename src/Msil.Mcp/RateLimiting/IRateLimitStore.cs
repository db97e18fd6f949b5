namespace Msil.Mcp.RateLimiting;

/// <summary>Keeps token buckets. The embedded store is in memory (one replica); a shared store makes limits hold across replicas.</summary>
public interface IRateLimitStore
{
    /// <summary>Takes one token from the bucket <paramref name="key"/>, refilling it by <paramref name="rule"/> first.</summary>
    /// <param name="key">The bucket, for example <c>msil:rl:{user}:{tool}</c>.</param>
    /// <param name="rule">The bucket's rate and size.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Whether a token was taken, and if not, when one will be there.</returns>
    ValueTask<RateLimitLease> TryAcquireAsync(string key, RateLimitRule rule, CancellationToken cancellationToken);
}

/// <summary>The result of <see cref="IRateLimitStore.TryAcquireAsync"/>.</summary>
/// <param name="Acquired">Whether a token was taken.</param>
/// <param name="RetryAfter">When a token will be there, if none was taken.</param>
public readonly record struct RateLimitLease(bool Acquired, TimeSpan RetryAfter);
