using System.Globalization;
using Npgsql;

namespace Msil.Mcp.Diagnostics;

/// <summary>
/// The one rule for the packages that talk to PostgreSQL (the registry's store, the audit table): seed §8.1's connection
/// settings (TLS, a pool of 5 plus an overflow of 10, a 30 s pool timeout, connections recycled after 1800 s, a 30 s
/// statement timeout and a 5 s lock timeout), applied unless the connection string sets them itself, and the Production
/// check that refuses a connection without TLS. Linked into every package that opens PostgreSQL connections.
/// </summary>
internal static class PostgreSqlTransport
{
    /// <summary>Returns <paramref name="connectionString"/> with the settings the string leaves out filled in from <paramref name="settings"/>.</summary>
    public static string ApplyDefaults(string connectionString, PostgreSqlPoolSettings settings)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        var defaults = new NpgsqlConnectionStringBuilder();
        if (settings.SslMode is { } sslMode && b.SslMode == defaults.SslMode)
        {
            b.SslMode = sslMode;
        }

        if (b.MinPoolSize == defaults.MinPoolSize)
        {
            b.MinPoolSize = settings.MinPoolSize;
        }

        if (b.MaxPoolSize == defaults.MaxPoolSize)
        {
            b.MaxPoolSize = Math.Max(settings.MaxPoolSize, b.MinPoolSize);
        }

        // Npgsql waits up to Timeout for a free pooled connection (and for the connect itself).
        if (b.Timeout == defaults.Timeout && settings.PoolTimeout > TimeSpan.Zero)
        {
            b.Timeout = (int)Math.Ceiling(settings.PoolTimeout.TotalSeconds);
        }

        if (b.ConnectionLifetime == defaults.ConnectionLifetime && settings.ConnectionLifetime > TimeSpan.Zero)
        {
            b.ConnectionLifetime = (int)Math.Ceiling(settings.ConnectionLifetime.TotalSeconds);
        }

        var serverOptions = b.Options ?? string.Empty;
        if (!serverOptions.Contains("statement_timeout", StringComparison.Ordinal))
        {
            serverOptions += " -c statement_timeout=" + Milliseconds(settings.StatementTimeout);
        }

        if (!serverOptions.Contains("lock_timeout", StringComparison.Ordinal))
        {
            serverOptions += " -c lock_timeout=" + Milliseconds(settings.LockTimeout);
        }

        b.Options = serverOptions.Trim();
        return b.ConnectionString;
    }

    /// <summary>
    /// Returns why <paramref name="connectionString"/> may not be used in Production (no TLS, or a CA bundle file that is
    /// missing), naming <paramref name="key"/> and the fix; <see langword="null"/> when it may. A Unix-domain socket
    /// (a Host starting with <c>/</c>) never leaves the machine and passes.
    /// </summary>
    /// <param name="connectionString">The Npgsql connection string (already parsed once by the caller's validator).</param>
    /// <param name="sslMode">The SSL mode the options apply when the string sets none.</param>
    /// <param name="key">The configuration key of the connection string.</param>
    /// <param name="allowKey">The configuration key that relaxes the rule.</param>
    public static string? CheckTls(string? connectionString, SslMode? sslMode, string key, string allowKey)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return null;
        }

        NpgsqlConnectionStringBuilder b;
        try
        {
            b = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException)
        {
            return null; // the caller's validator reports the parse error
        }

        if (b.Host is { } host && host.StartsWith('/'))
        {
            return null;
        }

        if (b.RootCertificate is { Length: > 0 } root && !File.Exists(root))
        {
            return $"{key}: the Root Certificate file '{root}' does not exist; mount the CA bundle there (for Amazon RDS the global bundle) or correct the path.";
        }

        var effective = b.SslMode != new NpgsqlConnectionStringBuilder().SslMode ? b.SslMode : sslMode ?? b.SslMode;
        if (effective is SslMode.Require or SslMode.VerifyCA or SslMode.VerifyFull)
        {
            return null;
        }

        return $"{key} connects to PostgreSQL without required TLS (SSL Mode={effective}), which Production refuses: add 'SSL Mode=VerifyFull;Root Certificate=<CA bundle file>' (or at least 'SSL Mode=Require') to the connection string, or set {allowKey}=true to accept it (logged as a warning at start).";
    }

    /// <summary>The Production rule for one PostgreSQL connection string, for <see cref="ProductionTransportRules.Validate"/>.</summary>
    /// <param name="connectionString">The Npgsql connection string.</param>
    /// <param name="sslMode">The SSL mode the options apply when the string sets none.</param>
    /// <param name="key">The full configuration key of the connection string.</param>
    /// <param name="allow">Whether the allow flag is set.</param>
    /// <param name="allowKey">The full configuration key of the allow flag.</param>
    /// <param name="logAllowed">Logs an accepted connection without TLS with the key and the allow key.</param>
    public static TransportRule Rule(string? connectionString, SslMode? sslMode, string key, bool allow, string allowKey, Action<string, string> logAllowed)
        => new(connectionString, key, allow, allowKey, (cs, k, a) => CheckTls(cs, sslMode, k, a), logAllowed);

    private static string Milliseconds(TimeSpan value) => ((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
}

/// <summary>The pool and timeout settings <see cref="PostgreSqlTransport.ApplyDefaults"/> fills in.</summary>
internal readonly record struct PostgreSqlPoolSettings(
    SslMode? SslMode,
    int MinPoolSize,
    int MaxPoolSize,
    TimeSpan PoolTimeout,
    TimeSpan ConnectionLifetime,
    TimeSpan StatementTimeout,
    TimeSpan LockTimeout);
