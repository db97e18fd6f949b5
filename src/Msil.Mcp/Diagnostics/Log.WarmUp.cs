using Microsoft.Extensions.Logging;

namespace Msil.Mcp.Diagnostics;

/// <summary>The core's log messages about the start-up warm-up (event ids 360–369).</summary>
internal static partial class Log
{
    [LoggerMessage(360, LogLevel.Information, "Warm-up done: {Calls} synthetic calls through the in-process stages in {ElapsedMs} ms (not audited, not counted as calls)")]
    public static partial void WarmUpCompleted(ILogger logger, int calls, double elapsedMs);

    [LoggerMessage(361, LogLevel.Debug, "Warm-up skipped: Msil:Mcp:WarmUp:Enabled is false")]
    public static partial void WarmUpSkipped(ILogger logger);

    [LoggerMessage(362, LogLevel.Warning, "Warm-up stopped after Msil:Mcp:WarmUp:TimeoutSeconds ({TimeoutSeconds} s); the server reports ready and serves its first calls cold")]
    public static partial void WarmUpTimedOut(ILogger logger, int timeoutSeconds);

    [LoggerMessage(363, LogLevel.Warning, "Warm-up failed ({ErrorType}); the server reports ready and serves its first calls cold")]
    public static partial void WarmUpFailed(ILogger logger, string errorType);
}
