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
    /// Gets or sets the Redis connection string (StackExchange.Redis syntax) for the shared catalog cache and the
    /// invalidation channel <c>msil:tools:changed</c>. When empty, an <c>IConnectionMultiplexer</c> registered in the
    /// host's services is used; with neither, the registry runs as a single instance.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? Redis { get; set; }

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

    /// <summary>Gets or sets a function that opens the document, for documents embedded in an assembly. Code only.</summary>
    public Func<Stream>? Open { get; set; }

    /// <summary>Gets or sets the named API gateway the tools call; <see langword="null"/> for the default gateway.</summary>
    public string? Gateway { get; set; }

    /// <summary>Gets or sets the audience of the downstream token for these tools; <see langword="null"/> for the gateway's default.</summary>
    public string? Audience { get; set; }
}
