using System.ComponentModel.DataAnnotations;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Elevation;

/// <summary>Options of just-in-time elevation, bound from <c>Msil:Mcp:Elevation</c>.</summary>
public sealed class ElevationOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Msil:Mcp:Elevation";

    /// <summary>
    /// Gets or sets where a user requests elevation. Placeholders: <c>{user}</c> (the user id, for people),
    /// <c>{principal}</c> (the principal key, issuer and subject, which the approval system sends back as the grant's
    /// <c>principal_key</c>), <c>{scope}</c>, <c>{reference}</c> (the
    /// correlation reference), <c>{tool}</c> (the tool called) and <c>{arguments_hash}</c> (the lower-hex SHA-256 of the
    /// call's canonical arguments, for single-use grants bound to them). Each value is URL-escaped. A relative URL is
    /// resolved against the request's own origin.
    /// </summary>
    /// <value>Defaults to <c>/dev/pim/approve?user={user}&amp;principal={principal}&amp;scope={scope}&amp;ref={reference}</c> (the development approval page).</value>
    public string ElevationUrlTemplate { get; set; } = "/dev/pim/approve?user={user}&principal={principal}&scope={scope}&ref={reference}";

    /// <summary>Gets or sets the grant lifetime when the approval system does not say.</summary>
    /// <value>Defaults to 3600 seconds (seed §4.2).</value>
    public TimeSpan DefaultGrantLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets the longest grant accepted; it also caps the Redis TTL of a stored grant.</summary>
    /// <value>Defaults to 8 hours.</value>
    public TimeSpan MaxGrantLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>
    /// Gets or sets how far the approval system's clock may run ahead of ours: a grant whose <c>granted_at</c> is later
    /// than now plus this is refused at intake and not honoured. Expiry is never extended by it.
    /// </summary>
    /// <value>Defaults to 1 minute.</value>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets the role of the approval system's identity, allowed to post and revoke grants.</summary>
    /// <value>Defaults to <c>pim-approver</c>.</value>
    [Required(ErrorMessage = "Msil:Mcp:Elevation:ApproverRole is empty: set the role of the approval system's identity (default pim-approver).")]
    public string ApproverRole { get; set; } = "pim-approver";

    /// <summary>
    /// Gets or sets the role of administrators: callers in it may list grants (<c>GET /api/pim/grants</c>) and pending
    /// requests (<c>GET /api/pim/requests</c>) and revoke grants (<c>DELETE /api/pim/grants/{principal}/{scope}</c>, as
    /// the approval system may).
    /// </summary>
    /// <value>Defaults to <c>admin</c>.</value>
    [Required(ErrorMessage = "Msil:Mcp:Elevation:AdminRole is empty: set the role that may list grants and pending requests and revoke grants (default 'admin').")]
    public string AdminRole { get; set; } = "admin";

    /// <summary>
    /// Gets or sets how long a pending elevation request (recorded when a privileged call is answered "elevation
    /// required") is listed by <c>GET /api/pim/requests</c>, unless a grant for it is recorded first.
    /// </summary>
    /// <value>Defaults to 1 hour; 1 minute to 7 days.</value>
    public TimeSpan PendingRequestLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets the most pending elevation requests kept; beyond it the oldest are dropped.</summary>
    /// <value>Defaults to 1,000; 1 to 100,000.</value>
    [KeyedRange(1, 100_000, ErrorMessage = "Msil:Mcp:Elevation:MaxPendingRequests must be between 1 and 100000 (default 1000): set it within that range or remove it.")]
    public int MaxPendingRequests { get; set; } = 1000;

    /// <summary>Gets scope groups: a scope name mapped to the privileged tools it covers. A tool in no group is its own scope.</summary>
    /// <value>Defaults to empty.</value>
    public IDictionary<string, IList<string>> ScopeGroups { get; } = new Dictionary<string, IList<string>>(StringComparer.Ordinal);

    /// <summary>Gets or sets whether the development approval page (<c>/dev/pim</c>) is mapped. Refused outside Development.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool EnableDevelopmentApprovalPage { get; set; }

    /// <summary>Gets or sets where grants are kept.</summary>
    /// <value>Defaults to <see cref="ElevationGrantStoreKind.Memory"/> (one instance only).</value>
    public ElevationGrantStoreKind Store { get; set; } = ElevationGrantStoreKind.Memory;

    /// <summary>
    /// Gets or sets the Redis connection string (StackExchange.Redis syntax) used when <see cref="Store"/> is
    /// <see cref="ElevationGrantStoreKind.Redis"/>. When empty, an <c>IConnectionMultiplexer</c> registered in the
    /// host's services is used instead.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? RedisConnectionString { get; set; }

    /// <summary>
    /// Gets or sets whether Production accepts <see cref="RedisConnectionString"/> without TLS or without a password. Without it a Production host
    /// refuses to start when <see cref="RedisConnectionString"/> lacks either (seed §8.2); with it the host starts and logs a warning.
    /// </summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool AllowInsecureRedis { get; set; }

    /// <summary>Gets or sets the prefix of the Redis keys; a grant lives at <c>{prefix}{user_id}:{scope}</c>.</summary>
    /// <value>Defaults to <c>elevation:</c> (seed §4.2).</value>
    public string RedisKeyPrefix { get; set; } = "elevation:";

    /// <summary>
    /// Gets or sets the connect and command timeout towards Redis, applied to a connection made from
    /// <see cref="RedisConnectionString"/> unless the string sets <c>connectTimeout</c>, <c>syncTimeout</c> or
    /// <c>asyncTimeout</c> itself. A Redis that cannot be reached refuses privileged calls at once (the connection
    /// fails fast); this bounds how long a slow one can hold a call.
    /// </summary>
    /// <value>Defaults to 5 seconds (seed §8).</value>
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets a PEM or DER file with the certificate authority that issued the Redis server's TLS certificate,
    /// for a connection string with <c>ssl=true</c> whose server certificate is not trusted by the machine.
    /// </summary>
    /// <value>Defaults to <see langword="null"/> (the machine's trust store).</value>
    public string? RedisCaCertificatePath { get; set; }
}

/// <summary>Where elevation grants are kept.</summary>
public enum ElevationGrantStoreKind
{
    /// <summary>In the process's memory: the embedded default, for one instance.</summary>
    Memory,

    /// <summary>In Redis, shared by every instance, under <c>elevation:{user_id}:{scope}</c> with a TTL.</summary>
    Redis,
}
