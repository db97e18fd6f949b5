using System.ComponentModel.DataAnnotations;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Registry;

/// <summary>Options of the tool registry, bound from <c>Msil:Mcp:Registry</c>.</summary>
public sealed class ToolRegistryOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Msil:Mcp:Registry";

    /// <summary>Gets the OpenAPI documents imported when the host starts.</summary>
    /// <value>Defaults to empty.</value>
    public IList<OpenApiSourceOptions> Sources { get; } = [];

    /// <summary>Gets or sets the longest tool description kept, in characters.</summary>
    /// <value>Defaults to 1024.</value>
    [KeyedRange(16, int.MaxValue, ErrorMessage = "Msil:Mcp:Registry:MaxDescriptionLength must be at least 16 (default 1024): raise it or remove it.")]
    public int MaxDescriptionLength { get; set; } = 1024;

    /// <summary>
    /// Gets or sets the size budget of one imported tool: its input and output schemas together, serialized, in bytes
    /// (<see cref="OpenApi.OpenApiCompilerOptions.MaxToolSchemaBytes"/>).
    /// </summary>
    /// <value>Defaults to 65536 (64 KB).</value>
    public int MaxToolSchemaBytes { get; set; } = 64 * 1024;

    /// <summary>Gets or sets the largest OpenAPI document accepted (a file, a request body or a fetched URL), in bytes.</summary>
    /// <value>Defaults to 25 MB.</value>
    public long MaxDocumentBytes { get; set; } = 25L * 1024 * 1024;

    /// <summary>Gets or sets the most operations one import may turn into tools; a larger document is refused whole.</summary>
    /// <value>Defaults to 5000 (the Kubernetes API has about 1,000).</value>
    [KeyedRange(1, int.MaxValue, ErrorMessage = "Msil:Mcp:Registry:MaxToolsPerImport must be positive (default 5000): raise it or remove it.")]
    public int MaxToolsPerImport { get; set; } = 5000;

    /// <summary>Gets or sets where tool definitions, versions, import history and overrides are kept.</summary>
    /// <value>Defaults to <see cref="ToolStoreKind.Sqlite"/>.</value>
    public ToolStoreKind Store { get; set; } = ToolStoreKind.Sqlite;

    /// <summary>Gets or sets the SQLite file, relative to the content root, when <see cref="Store"/> is <see cref="ToolStoreKind.Sqlite"/>.</summary>
    /// <value>Defaults to <c>msil-registry.db</c>.</value>
    public string SqlitePath { get; set; } = "msil-registry.db";

    /// <summary>Gets or sets the PostgreSQL connection string (Npgsql syntax) when <see cref="Store"/> is <see cref="ToolStoreKind.PostgreSql"/>.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? ConnectionString { get; set; }

    /// <summary>Gets or sets the PostgreSQL schema holding the registry's tables; created at start when missing.</summary>
    /// <value>Defaults to <c>msil_registry</c>.</value>
    public string Schema { get; set; } = "msil_registry";

    /// <summary>
    /// Gets or sets the TLS mode towards PostgreSQL (Npgsql's <c>SSL Mode</c>), applied unless the connection string sets
    /// one. Production refuses anything weaker than <see cref="Npgsql.SslMode.Require"/> unless
    /// <see cref="AllowInsecurePostgreSql"/> is set; use <see cref="Npgsql.SslMode.VerifyFull"/> with the CA bundle in the
    /// connection string's <c>Root Certificate</c> (seed §8.1).
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: the connection string decides (Npgsql's default is <c>Prefer</c>).</value>
    public Npgsql.SslMode? SslMode { get; set; }

    /// <summary>
    /// Gets or sets whether Production accepts a PostgreSQL connection without required TLS. Without it a Production host
    /// refuses to start when the store's connection does not require TLS (seed §8.1); with it the host starts and logs a warning.
    /// </summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool AllowInsecurePostgreSql { get; set; }

    /// <summary>Gets or sets the PostgreSQL connections kept open in the pool, applied unless the connection string sets <c>Minimum Pool Size</c>.</summary>
    /// <value>Defaults to 5 (seed §8.1: a pool of 5).</value>
    public int MinPoolSize { get; set; } = 5;

    /// <summary>Gets or sets the most pooled PostgreSQL connections, applied unless the connection string sets <c>Maximum Pool Size</c>.</summary>
    /// <value>Defaults to 15 (seed §8.1: 5 plus an overflow of 10).</value>
    public int MaxPoolSize { get; set; } = 15;

    /// <summary>Gets or sets how long opening a PostgreSQL connection may wait for a free pooled one (Npgsql's <c>Timeout</c>), unless the connection string sets it.</summary>
    /// <value>Defaults to 30 seconds (seed §8.1).</value>
    public TimeSpan PoolTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the age after which a pooled PostgreSQL connection is closed rather than reused (Npgsql's <c>Connection Lifetime</c>), unless the connection string sets it.</summary>
    /// <value>Defaults to 1800 seconds (seed §8.1).</value>
    public TimeSpan ConnectionLifetime { get; set; } = TimeSpan.FromSeconds(1800);

    /// <summary>Gets or sets the server-side <c>statement_timeout</c> of every PostgreSQL connection, unless the connection string's <c>Options</c> set it.</summary>
    /// <value>Defaults to 30 seconds (seed §8.1).</value>
    public TimeSpan StatementTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the server-side <c>lock_timeout</c> of every PostgreSQL connection, unless the connection string's <c>Options</c> set it.</summary>
    /// <value>Defaults to 5 seconds (seed §8.1).</value>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets the Redis connection string (StackExchange.Redis syntax) for the shared catalog cache and the
    /// invalidation channel <c>msil:tools:changed</c>. When empty, an <c>IConnectionMultiplexer</c> registered in the
    /// host's services is used; with neither, the registry runs as a single instance.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? Redis { get; set; }

    /// <summary>
    /// Gets or sets whether Production accepts <see cref="Redis"/> without TLS or without a password. Without it a Production host
    /// refuses to start when <see cref="Redis"/> lacks either (seed §8.2); with it the host starts and logs a warning.
    /// </summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool AllowInsecureRedis { get; set; }

    /// <summary>
    /// Gets or sets the largest chunk, in bytes, of a revision's catalog shared through HybridCache (Redis): the catalog
    /// is stored as a small manifest (chunk count, each chunk's SHA-256, tool count) and chunks of at most this size,
    /// each its own entry, because HybridCache does not store an entry over its <c>MaximumPayloadBytes</c> (1 MiB by
    /// default). Keep it under that limit if the host lowers it.
    /// </summary>
    /// <value>Defaults to 262144 (256 KB).</value>
    [KeyedRange(4096, 983040, ErrorMessage = "Msil:Mcp:Registry:CatalogCacheChunkBytes must be between 4096 and 983040 (default 262144, 256 KB): HybridCache does not store an entry over its MaximumPayloadBytes (1 MiB by default).")]
    public int CatalogCacheChunkBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// Gets or sets how often the store's revision is compared with the catalog served, so that a change made by another
    /// instance is picked up even when its Redis notice was missed (Redis down, no Redis configured, a lost message).
    /// The check reads one row; the catalog is reloaded only when the revision moved. <see cref="TimeSpan.Zero"/> turns
    /// the check off.
    /// </summary>
    /// <value>Defaults to 30 seconds.</value>
    public TimeSpan RevisionCheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the role allowed to import, curate and roll back tools.</summary>
    /// <value>Defaults to <c>admin</c>.</value>
    public string AdminRole { get; set; } = "admin";

    /// <summary>
    /// Gets or sets whether a registry write that adds or changes a privileged tool, or lowers any tool's risk level
    /// (an import, override or rollback), is held for a second admin's approval instead of applied: it is answered
    /// <c>202 Accepted</c> with a change id, and applied by <c>POST /api/mcp/changes/{id}/approve</c> from another admin.
    /// </summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool RequireSecondApproval { get; set; } = true;

    /// <summary>Gets or sets the role that may read the admin tool views (<c>GET /api/mcp/admin/tools</c>) besides <see cref="AdminRole"/>.</summary>
    /// <value>Defaults to <c>operator</c>.</value>
    [Required(ErrorMessage = "Msil:Mcp:Registry:OperatorRole is empty: set the role that may read the admin tool views (default operator).")]
    public string OperatorRole { get; set; } = "operator";

    /// <summary>
    /// Gets the hosts an import may fetch a document from (<c>{"url": …}</c>) and external <c>$ref</c> targets may name.
    /// A host matches exactly (case-insensitive). Nothing is fetched from a host not listed, and never from a loopback,
    /// private or link-local address unless <see cref="AllowPrivateAddresses"/> is set.
    /// </summary>
    /// <value>Defaults to empty: no URL imports.</value>
    public IList<string> AllowedImportHosts { get; } = [];

    /// <summary>Gets or sets whether a URL import may reach loopback, private and link-local addresses (tests, local development).</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool AllowPrivateAddresses { get; set; }

    /// <summary>Gets or sets how long fetching a document from a URL may take.</summary>
    /// <value>Defaults to 30 seconds.</value>
    public TimeSpan FetchTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Where the tool registry keeps its state.</summary>
public enum ToolStoreKind
{
    /// <summary>A SQLite file: one instance, or several on one machine.</summary>
    Sqlite,

    /// <summary>PostgreSQL: any number of instances.</summary>
    PostgreSql,
}

/// <summary>One OpenAPI document to import.</summary>
public sealed class OpenApiSourceOptions
{
    /// <summary>Gets or sets the source name; tools are stored under <c>openapi:{Name}</c>.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Gets or sets the document's file path (JSON or YAML).</summary>
    public string? Path { get; set; }

    /// <summary>
    /// Gets or sets the absolute http(s) URL the document is fetched from at start, instead of <see cref="Path"/>. It is
    /// fetched like a URL import: only from a host on <see cref="ToolRegistryOptions.AllowedImportHosts"/>, never from a
    /// loopback, private or link-local address unless <see cref="ToolRegistryOptions.AllowPrivateAddresses"/> is set, no
    /// redirects, within <see cref="ToolRegistryOptions.FetchTimeout"/> and <see cref="ToolRegistryOptions.MaxDocumentBytes"/>.
    /// A fetch that fails at start fails the start when the store holds no tools of this source, and otherwise keeps
    /// serving the stored ones with a warning.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? Url { get; set; }

    /// <summary>
    /// Gets or sets how often the document at <see cref="Url"/> is fetched again. The fetch sends the last answer's
    /// validators (<c>If-None-Match</c>, <c>If-Modified-Since</c>); a changed document is imported and audited like an
    /// import, and a failed fetch keeps the tools served, logs a warning and reports the registry's URL-source health
    /// check as degraded. At least one minute.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: fetched at start only.</value>
    public TimeSpan? RefreshInterval { get; set; }

    /// <summary>Gets or sets a function that opens the document, for documents embedded in an assembly. Code only.</summary>
    public Func<Stream>? Open { get; set; }

    /// <summary>Gets or sets the named API gateway the tools call; <see langword="null"/> for the default gateway.</summary>
    public string? Gateway { get; set; }

    /// <summary>Gets or sets the audience of the downstream token for these tools; <see langword="null"/> for the gateway's default.</summary>
    public string? Audience { get; set; }

    /// <summary>
    /// Gets the operation selection (<c>Sources:N:Select:M</c>): which of the document's operations become tools and at
    /// which risk level, by tag, path pattern, method and operation id, tried in order with the first matching rule
    /// deciding (<see cref="OpenApi.OperationSelectionRule"/>). A rule that matches nothing is logged at start, naming its key.
    /// </summary>
    /// <value>Defaults to empty: every operation becomes a tool.</value>
    public IList<OpenApi.OperationSelectionRule> Select { get; } = [];

    /// <summary>
    /// Gets or sets whether the gateway adds the document's base path itself. Tools call the document's paths
    /// (<c>/orders</c>) under the gateway URL, so when the document's <c>servers</c> URL has a path (<c>https://api.example.com/v2</c>)
    /// the gateway URL (<c>Msil:Mcp:Apim:GatewayUrl</c>, or the named gateway's) must end with it: otherwise the start
    /// warns, and in Production fails, unless this is set because the gateway's API rewrites <c>/orders</c> to <c>/v2/orders</c>.
    /// </summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool GatewayRewritesPath { get; set; }
}
