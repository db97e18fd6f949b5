using System.ComponentModel.DataAnnotations;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp;

/// <summary>Options of the governed MCP server, bound from the <c>Msil:Mcp</c> configuration section.</summary>
public sealed class MsilMcpOptions
{
    /// <summary>The configuration section the host-builder overload binds.</summary>
    public const string SectionName = "Msil:Mcp";

    /// <summary>Gets or sets the server name reported to MCP clients.</summary>
    /// <value>Defaults to <c>msil-mcp</c>.</value>
    [Required(ErrorMessage = "Msil:Mcp:ServerName is empty: set the server name reported to MCP clients (default msil-mcp).")]
    [RegularExpression("^[A-Za-z0-9._-]{1,64}$", ErrorMessage = "Msil:Mcp:ServerName must be 1 to 64 letters, digits, '.', '_' or '-'.")]
    public string ServerName { get; set; } = "msil-mcp";

    /// <summary>Gets or sets the server version reported to MCP clients.</summary>
    /// <value>Defaults to the Msil.Mcp assembly's informational version.</value>
    public string? ServerVersion { get; set; }

    /// <summary>Gets or sets the instructions sent to clients on initialization.</summary>
    /// <value>Defaults to <see langword="null"/> (none).</value>
    public string? Instructions { get; set; }

    /// <summary>Gets or sets the MCP session mode.</summary>
    /// <value>Defaults to <see cref="McpSessionMode.Stateless"/>: any replica can serve any request.</value>
    public McpSessionMode SessionMode { get; set; } = McpSessionMode.Stateless;

    /// <summary>Gets or sets the origins (scheme://host[:port]) allowed to call the server from a browser, besides same-origin requests.</summary>
    /// <value>Defaults to empty: cross-origin browser requests are refused (DNS-rebinding protection).</value>
    public IList<string> AllowedOrigins { get; } = [];

    /// <summary>Gets or sets the largest result text, in characters, passed to the model; longer results are cut with a notice.</summary>
    /// <value>Defaults to 262,144 (256 K characters).</value>
    [KeyedRange(1024, 64 * 1024 * 1024, ErrorMessage = "Msil:Mcp:MaxResultChars must be between 1024 and 67108864 (default 262144): set it within that range or remove it.")]
    public int MaxResultChars { get; set; } = 256 * 1024;

    /// <summary>Gets or sets the largest serialized argument object, in bytes, accepted by <c>tools/call</c>.</summary>
    /// <value>Defaults to 1,048,576 (1 MiB).</value>
    [KeyedRange(1024, 64 * 1024 * 1024, ErrorMessage = "Msil:Mcp:MaxArgumentBytes must be between 1024 and 67108864 bytes (default 1048576): set it within that range or remove it.")]
    public int MaxArgumentBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Gets or sets how many tools one <c>tools/list</c> page holds. A caller who may see more gets a
    /// <c>nextCursor</c>, an opaque string protected with ASP.NET Core Data Protection that MCP clients send back for
    /// the next page; every page runs the policy filter again. 0 answers every tool the caller may see in one page.
    /// </summary>
    /// <value>Defaults to 0 (one page); 0 to 10,000.</value>
    [KeyedRange(0, 10_000, ErrorMessage = "Msil:Mcp:ToolsListPageSize must be between 0 (every tool in one page) and 10000.")]
    public int ToolsListPageSize { get; set; }

    /// <summary>
    /// Gets or sets the time-to-live hint (<c>ttlMs</c>, SEP-2549) of a <c>tools/list</c> result on protocol
    /// 2026-07-28 and later: how long a client may reuse the list before asking again. The list is filtered per caller,
    /// so its <c>cacheScope</c> is always <c>private</c>. A catalog change still reaches stateful sessions as
    /// <c>notifications/tools/list_changed</c> whatever the hint.
    /// </summary>
    /// <value>Defaults to 0 (immediately stale, the protocol's default); 0 to 86,400.</value>
    [KeyedRange(0, 24 * 60 * 60, ErrorMessage = "Msil:Mcp:ToolsListTtlSeconds must be between 0 and 86400.")]
    public int ToolsListTtlSeconds { get; set; }

    /// <summary>
    /// Gets or sets how long the request state of an input-required result (MRTR, SEP-2322) stays valid: a retry that
    /// echoes an older state is refused. The state is encrypted and authenticated with ASP.NET Core Data Protection;
    /// replicas behind one load balancer need a shared Data Protection key ring.
    /// </summary>
    /// <value>Defaults to 600 (10 minutes); 5 to 86,400.</value>
    [KeyedRange(5, 24 * 60 * 60, ErrorMessage = "Msil:Mcp:InputRequestStateLifetimeSeconds must be between 5 and 86400.")]
    public int InputRequestStateLifetimeSeconds { get; set; } = 600;

    /// <summary>
    /// Gets or sets a Redis connection string (StackExchange.Redis syntax) under which the host's ASP.NET Core Data
    /// Protection key ring is kept, so that replicas behind one load balancer share it and a retried input-required
    /// call may land on any of them. Deprecated in favour of <c>Msil:Mcp:Redis:ConnectionString</c>, which keeps the key
    /// ring too (in the same list, <see cref="KeyRingRedisKey"/>); when set, it overrides the shared connection for the
    /// key ring with a second keyed one. Neither set: the key ring stays where Data Protection puts it by default (or
    /// where the host configured it).
    /// </summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? KeyRingRedisConnectionString { get; set; }

    /// <summary>
    /// Gets or sets whether Production accepts <see cref="KeyRingRedisConnectionString"/> without TLS or without a password. Without it a Production host
    /// refuses to start when <see cref="KeyRingRedisConnectionString"/> lacks either (seed §8.2); with it the host starts and logs a warning.
    /// </summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool AllowInsecureRedis { get; set; }

    /// <summary>Gets or sets the Redis list that holds the key ring when it is kept in Redis (the layout of <c>PersistKeysToStackExchangeRedis</c>).</summary>
    /// <value>Defaults to <c>msil:dataprotection:keys</c>.</value>
    [Required(ErrorMessage = "Msil:Mcp:KeyRingRedisKey is empty: name the Redis list of the Data Protection key ring (default 'msil:dataprotection:keys').")]
    public string KeyRingRedisKey { get; set; } = "msil:dataprotection:keys";

    /// <summary>
    /// Gets or sets the role of administrators: callers in it may use the core's admin API (<c>POST /api/policy/simulate</c>,
    /// <c>GET /api/users</c>, <c>GET /api/mcp/admin/health</c>) and get every permission <c>GET /api/mcp/me</c> lists.
    /// Administrators also have every right of <see cref="OperatorRole"/>. The role is read from the caller's identity as
    /// the policy sees it (<c>ICallerIdentityResolver</c>).
    /// </summary>
    /// <value>Defaults to <c>admin</c>.</value>
    [Required(ErrorMessage = "Msil:Mcp:AdminRole is empty: name the role that may use the admin API (default 'admin').")]
    public string AdminRole { get; set; } = "admin";

    /// <summary>
    /// Gets or sets the role of operators: callers in it (or in <see cref="AdminRole"/>) may read <c>/metrics</c> (where
    /// the host maps it with <c>RequireMsilMcpMetricsAccess()</c>), the details of <c>/health/ready</c> and
    /// <c>GET /api/mcp/admin/health</c>; <c>GET /api/mcp/me</c> gives them <c>tools.read</c>, <c>audit.read</c> and
    /// <c>health.read</c>. The role is read from the caller's identity as the policy sees it (<c>ICallerIdentityResolver</c>).
    /// </summary>
    /// <value>Defaults to <c>operator</c>.</value>
    [Required(ErrorMessage = "Msil:Mcp:OperatorRole is empty: name the role that may read /metrics and the readiness details (default 'operator'; the admin role may always).")]
    public string OperatorRole { get; set; } = "operator";

    /// <summary>
    /// Gets or sets whether <c>/metrics</c> answers anyone, without a token. Only for a scrape address that callers
    /// cannot reach (a separate port or a network policy): the metrics name every tool and count every outcome.
    /// </summary>
    /// <value>Defaults to <see langword="false"/>: only callers in <see cref="OperatorRole"/> or <see cref="AdminRole"/> may read <c>/metrics</c>.</value>
    public bool AllowAnonymousMetrics { get; set; }

    /// <summary>
    /// Gets or sets for how many seconds the result of the readiness checks (<c>/health/ready</c>) is reused, so that a
    /// probe or a flood of anonymous requests does not ask every dependency (the identity provider, the database, OPA…)
    /// each time. Requests while a check runs wait for that one. 0 asks on every request.
    /// </summary>
    /// <value>Defaults to 5 seconds; 0 to 300.</value>
    [KeyedRange(0, 300, ErrorMessage = "Msil:Mcp:ReadinessCacheSeconds must be between 0 and 300.")]
    public int ReadinessCacheSeconds { get; set; } = 5;
}

/// <summary>How MCP sessions are kept.</summary>
public enum McpSessionMode
{
    /// <summary>No sessions; every request stands alone. Scales out without sticky sessions.</summary>
    Stateless,

    /// <summary>Sessions with a server-to-client stream, so tool-list changes are pushed as notifications.</summary>
    Stateful,
}
