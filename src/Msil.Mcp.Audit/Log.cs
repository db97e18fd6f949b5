using Microsoft.Extensions.Logging;

namespace Msil.Mcp.Audit;

/// <summary>The audit package's log messages (event ids 6000–6999).</summary>
internal static partial class Log
{
    [LoggerMessage(6000, LogLevel.Critical, "Audit records cannot be written to {Directory}: {Error}")]
    public static partial void WriteFailed(ILogger logger, string directory, string error);

    [LoggerMessage(6001, LogLevel.Warning, "A torn audit record ({Bytes} bytes, never acknowledged) was cut from the end of {File}")]
    public static partial void TornRecordRemoved(ILogger logger, string file, int bytes);
}
