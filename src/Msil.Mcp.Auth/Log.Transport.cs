using Microsoft.Extensions.Logging;

namespace Msil.Mcp.Auth;

/// <summary>The package's log messages about the transport to its dependencies (event ids 1040–1049).</summary>
internal static partial class Log
{
    [LoggerMessage(1040, LogLevel.Warning, "{Key} connects to Redis without TLS or without a password in Production, accepted because {AllowKey} is true; traffic and the data in Redis are exposed to the network")]
    public static partial void InsecureRedisAllowed(ILogger logger, string key, string allowKey);
}
