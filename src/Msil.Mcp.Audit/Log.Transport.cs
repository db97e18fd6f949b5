using Microsoft.Extensions.Logging;

namespace Msil.Mcp.Audit;

/// <summary>The package's log messages about the transport to its dependencies (event ids 6050–6059).</summary>
internal static partial class Log
{
    [LoggerMessage(6050, LogLevel.Warning, "{Key} connects to PostgreSQL without required TLS in Production, accepted because {AllowKey} is true; credentials and rows travel unencrypted")]
    public static partial void InsecurePostgreSqlAllowed(ILogger logger, string key, string allowKey);
}
