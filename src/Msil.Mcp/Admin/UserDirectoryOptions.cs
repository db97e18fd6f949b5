namespace Msil.Mcp;

/// <summary>Options of the users store (<c>GET /api/users</c>), bound from <c>Msil:Mcp:Users</c>.</summary>
public sealed class UserDirectoryOptions
{
    /// <summary>The configuration section, under <c>Msil:Mcp</c>.</summary>
    public const string SectionName = "Users";

    /// <summary>Gets or sets where the users store is kept.</summary>
    /// <value>Defaults to <see cref="UserDirectoryStoreKind.Memory"/> (this instance only; lost on restart).</value>
    public UserDirectoryStoreKind Store { get; set; } = UserDirectoryStoreKind.Memory;

    /// <summary>
    /// Gets or sets the PostgreSQL connection string (Npgsql syntax, as for the audit store's
    /// <c>Msil:Mcp:Audit:PostgreSql:ConnectionString</c>), used when <see cref="Store"/> is
    /// <see cref="UserDirectoryStoreKind.PostgreSql"/>. The role needs to create the table once (or find it created).
    /// </summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? PostgreSqlConnectionString { get; set; }

    /// <summary>Gets or sets the schema of the users table (lower-case letters, digits and <c>_</c>).</summary>
    /// <value>Defaults to <c>public</c>.</value>
    public string Schema { get; set; } = "public";

    /// <summary>Gets or sets the users table (lower-case letters, digits and <c>_</c>, at most 40); created when missing.</summary>
    /// <value>Defaults to <c>mcp_users</c>.</value>
    public string TableName { get; set; } = "mcp_users";

    /// <summary>
    /// Gets or sets how often the callers seen by the governed pipeline (aggregated in memory, never written on the call
    /// path) are merged into the store.
    /// </summary>
    /// <value>Defaults to 5 seconds; 1 second to 5 minutes.</value>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Where the users store is kept.</summary>
public enum UserDirectoryStoreKind
{
    /// <summary>In this process's memory.</summary>
    Memory,

    /// <summary>In a PostgreSQL table shared by every instance.</summary>
    PostgreSql,
}
