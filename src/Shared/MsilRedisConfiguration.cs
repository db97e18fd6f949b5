using StackExchange.Redis;

namespace Msil.Mcp.Connections;

/// <summary>
/// The one way the Msil.Mcp packages configure a StackExchange.Redis client (rate limits, elevation grants, the IdP's
/// keys, registry invalidation, the Data Protection key ring). Settings favour failing fast, so that a call falls back
/// or fails closed at once while Redis is away: the timeouts given here unless the connection string sets its own, no
/// abort when the first connect fails (the client reconnects in the background) and no backlog of commands while
/// disconnected.
/// </summary>
internal static class MsilRedisConfiguration
{
    /// <summary>Builds the client configuration for <paramref name="connectionString"/>.</summary>
    /// <param name="connectionString">A StackExchange.Redis connection string.</param>
    /// <param name="timeout">The connect, sync and async timeout, applied unless the string sets that timeout itself.</param>
    /// <param name="clientName">The client name shown by <c>CLIENT LIST</c>, unless the string sets one.</param>
    /// <param name="caCertificatePath">A PEM file of the certificate authority to trust for TLS, if any.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="ArgumentException">The connection string cannot be parsed.</exception>
    public static ConfigurationOptions Create(string connectionString, TimeSpan timeout, string clientName, string? caCertificatePath = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(clientName);
        var configuration = ConfigurationOptions.Parse(connectionString);
        var milliseconds = (int)Math.Ceiling(timeout.TotalMilliseconds);
        if (!Mentions(connectionString, "connectTimeout"))
        {
            configuration.ConnectTimeout = milliseconds;
        }

        if (!Mentions(connectionString, "syncTimeout"))
        {
            configuration.SyncTimeout = milliseconds;
        }

        if (!Mentions(connectionString, "asyncTimeout"))
        {
            configuration.AsyncTimeout = milliseconds;
        }

        if (!Mentions(connectionString, "abortConnect"))
        {
            configuration.AbortOnConnectFail = false;
        }

        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ClientName ??= clientName;
        if (!string.IsNullOrWhiteSpace(caCertificatePath))
        {
            configuration.TrustIssuer(caCertificatePath);
        }

        return configuration;
    }

    private static bool Mentions(string connectionString, string key)
    {
        foreach (var part in connectionString.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && part.AsSpan(0, eq).Trim().Equals(key, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
