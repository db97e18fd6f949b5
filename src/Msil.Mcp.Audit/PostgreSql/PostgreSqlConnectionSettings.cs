using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Audit.PostgreSql;

/// <summary>
/// The connection settings of seed §8.1 (TLS, pool of 5 plus 10 overflow, pool timeout 30 s, recycle after 1800 s,
/// statement timeout 30 s, lock timeout 5 s) applied to a connection string from <see cref="AuditPostgreSqlOptions"/>;
/// what the connection string sets itself wins. The same rule as the registry's store (<see cref="PostgreSqlTransport"/>).
/// </summary>
internal static class PostgreSqlConnectionSettings
{
    public static string Apply(string connectionString, AuditPostgreSqlOptions options)
        => PostgreSqlTransport.ApplyDefaults(connectionString, new PostgreSqlPoolSettings(
            options.SslMode, options.MinPoolSize, options.MaxPoolSize, options.PoolTimeout, options.ConnectionLifetime, options.StatementTimeout, options.LockTimeout));
}
