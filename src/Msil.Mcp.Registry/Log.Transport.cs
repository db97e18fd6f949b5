using Microsoft.Extensions.Logging;

namespace Msil.Mcp.Registry;

/// <summary>The package's log messages about the transport to its dependencies (event ids 2070–2079).</summary>
internal static partial class Log
{
    [LoggerMessage(2070, LogLevel.Warning, "{Key} connects to PostgreSQL without required TLS in Production, accepted because {AllowKey} is true; credentials and rows travel unencrypted")]
    public static partial void InsecurePostgreSqlAllowed(ILogger logger, string key, string allowKey);

    [LoggerMessage(2071, LogLevel.Warning, "{Key} connects to Redis without TLS or without a password in Production, accepted because {AllowKey} is true; traffic and the data in Redis are exposed to the network")]
    public static partial void InsecureRedisAllowed(ILogger logger, string key, string allowKey);
}
