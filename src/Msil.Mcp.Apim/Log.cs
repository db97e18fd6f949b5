using Microsoft.Extensions.Logging;

namespace Msil.Mcp.Apim;

/// <summary>The APIM package's log messages (event ids 5000–5999). Never a header value, token or argument.</summary>
internal static partial class Log
{
    [LoggerMessage(5000, LogLevel.Debug, "Backend call of tool '{ToolName}' answered {Status} in {ElapsedMs} ms")]
    public static partial void BackendCalled(ILogger logger, string toolName, int status, double elapsedMs);

    [LoggerMessage(5001, LogLevel.Warning, "Backend call of tool '{ToolName}' failed: {ErrorType}")]
    public static partial void BackendUnavailable(ILogger logger, string toolName, string errorType);

    [LoggerMessage(5002, LogLevel.Warning, "No downstream token could be obtained for tool '{ToolName}'")]
    public static partial void DownstreamTokenUnavailable(ILogger logger, string toolName);
}
