using System.Globalization;
using Npgsql;

namespace Msil.Mcp.Audit.PostgreSql;

/// <summary>
/// The connection settings of seed §8 (TLS, pool of 5 plus 10 overflow, statement timeout 30 s, lock timeout 5 s) applied
/// to a connection string from <see cref="AuditPostgreSqlOptions"/>; what the connection string sets itself wins.
/// </summary>
internal static class PostgreSqlConnectionSettings
{
    public static string Apply(string connectionString, AuditPostgreSqlOptions options)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        var defaults = new NpgsqlConnectionStringBuilder();
        if (options.SslMode is { } sslMode && b.SslMode == defaults.SslMode)
        {
            b.SslMode = sslMode;
        }

        if (b.MinPoolSize == defaults.MinPoolSize)
        {
            b.MinPoolSize = options.MinPoolSize;
        }

        if (b.MaxPoolSize == defaults.MaxPoolSize)
        {
            b.MaxPoolSize = Math.Max(options.MaxPoolSize, b.MinPoolSize);
        }

        var serverOptions = b.Options ?? string.Empty;
        if (!serverOptions.Contains("statement_timeout", StringComparison.Ordinal))
        {
            serverOptions += " -c statement_timeout=" + Milliseconds(options.StatementTimeout);
        }

        if (!serverOptions.Contains("lock_timeout", StringComparison.Ordinal))
        {
            serverOptions += " -c lock_timeout=" + Milliseconds(options.LockTimeout);
        }

        b.Options = serverOptions.Trim();
        return b.ConnectionString;
    }

    private static string Milliseconds(TimeSpan value) => ((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
}
