using StackExchange.Redis;

namespace Msil.Mcp.Diagnostics;

/// <summary>
/// The Production rule for every Redis connection string of the packages (seed §8.2): TLS and a password (an ACL user's
/// or the default user's). Linked into every package that opens its own Redis connection.
/// </summary>
internal static class RedisTransport
{
    /// <summary>
    /// Returns why <paramref name="connectionString"/> may not be used in Production, naming <paramref name="key"/> and
    /// the fix; <see langword="null"/> when it may (or when it cannot be parsed, which the caller's validator reports).
    /// </summary>
    /// <param name="connectionString">The StackExchange.Redis connection string.</param>
    /// <param name="key">The configuration key of the connection string.</param>
    /// <param name="allowKey">The configuration key that relaxes the rule.</param>
    public static string? CheckTls(string? connectionString, string key, string allowKey)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return null;
        }

        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(connectionString);
        }
        catch (ArgumentException)
        {
            return null;
        }

        return CheckTls(options, key, allowKey);
    }

    /// <summary>The Production rule for one Redis connection string, for <see cref="ProductionTransportRules.Validate"/>.</summary>
    /// <param name="connectionString">The StackExchange.Redis connection string.</param>
    /// <param name="key">The full configuration key of the connection string.</param>
    /// <param name="allow">Whether the allow flag is set.</param>
    /// <param name="allowKey">The full configuration key of the allow flag.</param>
    /// <param name="logAllowed">Logs an accepted insecure connection with the key and the allow key.</param>
    public static TransportRule Rule(string? connectionString, string key, bool allow, string allowKey, Action<string, string> logAllowed)
        => new(connectionString, key, allow, allowKey, static (cs, k, a) => CheckTls(cs, k, a), logAllowed);

    /// <summary>Returns why <paramref name="options"/> may not be used in Production, naming <paramref name="key"/> and the fix; <see langword="null"/> when it may.</summary>
    /// <param name="options">The client configuration, with any overrides applied.</param>
    /// <param name="key">The configuration key of the connection string.</param>
    /// <param name="allowKey">The configuration key that relaxes the rule.</param>
    public static string? CheckTls(ConfigurationOptions options, string key, string allowKey)
    {
        ArgumentNullException.ThrowIfNull(options);
        var missing = (options.Ssl, string.IsNullOrEmpty(options.Password)) switch
        {
            (true, false) => null,
            (false, true) => "without TLS and without a password",
            (false, false) => "without TLS",
            (true, true) => "without a password",
        };
        return missing is null
            ? null
            : $"{key} connects to Redis {missing}, which Production refuses: add 'ssl=true' and 'user=…,password=…' (an ACL user) or 'password=…' to the connection string, or set {allowKey}=true to accept it (logged as a warning at start).";
    }
}
