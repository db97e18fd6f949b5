using Microsoft.Extensions.Logging;

namespace Msil.Mcp.Diagnostics;

/// <summary>The log messages of the core's admin API and users store (event ids 160–199).</summary>
internal static partial class Log
{
    [LoggerMessage(160, LogLevel.Warning, "The users store cannot be written ({ErrorType}); the activity of {Count} caller(s) is kept for the next flush")]
    public static partial void UserFlushFailed(ILogger logger, string errorType, int count);

    [LoggerMessage(161, LogLevel.Debug, "Users store: activity of {Count} caller(s) merged")]
    public static partial void UserFlushed(ILogger logger, int count);

    [LoggerMessage(162, LogLevel.Information, "Users store table {Table} ready in PostgreSQL")]
    public static partial void UserTableReady(ILogger logger, string table);

    [LoggerMessage(163, LogLevel.Warning, "The users store cannot be read ({ErrorType})")]
    public static partial void UserReadFailed(ILogger logger, string errorType);
}
