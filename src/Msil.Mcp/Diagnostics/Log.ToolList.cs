using Microsoft.Extensions.Logging;

namespace Msil.Mcp.Diagnostics;

/// <summary>The <c>tools/list</c> writer's log messages (event ids 330–339).</summary>
internal static partial class Log
{
    [LoggerMessage(330, LogLevel.Warning, "tools/list cannot hand its cached tool JSON to the MCP SDK as raw UTF-8 ({Reason}): pages are written as one JSON node per tool instead (same answer, more time and memory per list). See docs/benchmarks.md, tools/list.")]
    public static partial void ToolListRawBytesUnavailable(ILogger logger, string reason);
}
