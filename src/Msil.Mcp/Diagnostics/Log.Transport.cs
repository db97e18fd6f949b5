using Microsoft.Extensions.Logging;

namespace Msil.Mcp.Diagnostics;

/// <summary>The core's log messages about the transport to its dependencies (event ids 250–269).</summary>
internal static partial class Log
{
    [LoggerMessage(250, LogLevel.Warning, "{Key} connects to Redis without TLS or without a password in Production, accepted because {AllowKey} is true; traffic and the data in Redis are exposed to the network")]
    public static partial void InsecureRedisAllowed(ILogger logger, string key, string allowKey);
}
