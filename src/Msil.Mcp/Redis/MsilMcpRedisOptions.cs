namespace Msil.Mcp.Redis;

/// <summary>
/// The one Redis connection every Msil.Mcp package shares, bound from <c>Msil:Mcp:Redis</c>: rate limits, tasks, the
/// Data Protection key ring, elevation grants and requests, the identity provider's shared keys, catalog invalidation
/// and chat conversations. When <see cref="ConnectionString"/> is set the core registers one
/// <c>IConnectionMultiplexer</c> keyed <see cref="ServiceKey"/> (made on first use, disposed with the host), with a
/// health check tagged <c>ready</c>. A package's own connection-string key (for example
/// <c>Msil:Mcp:Elevation:RedisConnectionString</c>) still works: it overrides this one for that package with a second
/// keyed connection. Without either, a package that needs Redis uses the host's own (unkeyed)
/// <c>IConnectionMultiplexer</c>, for example the one Aspire's <c>AddRedisClient</c> registers.
/// </summary>
public sealed class MsilMcpRedisOptions
{
    /// <summary>The configuration section, relative to <c>Msil:Mcp</c>.</summary>
    public const string SectionName = "Redis";

    /// <summary>The service key of the shared <c>IConnectionMultiplexer</c>.</summary>
    public const string ServiceKey = "msil-mcp-redis";

    /// <summary>
    /// Gets or sets the StackExchange.Redis connection string, for example <c>redis-0:6379,redis-1:6379,ssl=true,user=mcp,password=…</c>.
    /// A Redis Cluster needs only some of its nodes here: the client discovers the rest.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: no shared connection.</value>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Gets or sets the password, overriding any in <see cref="ConnectionString"/>, so that the secret can come from
    /// its own source (a mounted secret, an environment variable).
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: the connection string's.</value>
    public string? Password { get; set; }

    /// <summary>Gets or sets the ACL user, overriding any in <see cref="ConnectionString"/>; one user per deployment is recommended.</summary>
    /// <value>Defaults to <see langword="null"/>: the connection string's (or the default user).</value>
    public string? User { get; set; }

    /// <summary>Gets or sets whether TLS is used, overriding <c>ssl=</c> in <see cref="ConnectionString"/>.</summary>
    /// <value>Defaults to <see langword="null"/>: the connection string's.</value>
    public bool? Ssl { get; set; }

    /// <summary>
    /// Gets or sets a PEM or DER file with the certificate authority of the Redis server's TLS certificate (seed §8.2:
    /// <c>/etc/secrets/redis/ca.pem</c>), for a server certificate the machine does not trust.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? CaCertificatePath { get; set; }

    /// <summary>
    /// Gets or sets the connect, command and socket timeout, applied unless the connection string sets
    /// <c>connectTimeout</c>, <c>syncTimeout</c> or <c>asyncTimeout</c> itself.
    /// </summary>
    /// <value>Defaults to 5 seconds (seed §8.2); more than zero and at most 30 seconds.</value>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the client name shown by <c>CLIENT LIST</c>, unless the connection string sets one.</summary>
    /// <value>Defaults to <c>msil-mcp</c>.</value>
    public string ClientName { get; set; } = "msil-mcp";

    /// <summary>
    /// Gets or sets whether Production accepts <see cref="ConnectionString"/> without TLS or without a password. Without
    /// it a Production host refuses to start when the connection lacks either (seed §8.2); with it the host starts and
    /// logs a warning.
    /// </summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool AllowInsecure { get; set; }
}
