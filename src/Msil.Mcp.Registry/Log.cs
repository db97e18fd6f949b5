using Microsoft.Extensions.Logging;

namespace Msil.Mcp.Registry;

/// <summary>The registry's log messages (event ids 2000–2999).</summary>
internal static partial class Log
{
    [LoggerMessage(2000, LogLevel.Information, "OpenAPI source '{Source}' imported: {Tools} tools from {Operations} operations")]
    public static partial void SourceImported(ILogger logger, string source, int tools, int operations);

    [LoggerMessage(2001, LogLevel.Warning, "OpenAPI source '{Source}', {Operation}: {Message}")]
    public static partial void OperationReported(ILogger logger, string source, string operation, string message);
}
