using Microsoft.Extensions.Logging;

namespace Msil.Mcp.Policy.Opa;

/// <summary>The policy package's log messages (event ids 3000–3999).</summary>
internal static partial class Log
{
    [LoggerMessage(3000, LogLevel.Information, "Policy data reloaded from {Path}")]
    public static partial void PolicyDataReloaded(ILogger logger, string path);

    [LoggerMessage(3001, LogLevel.Error, "Policy data in {Path} could not be read ({Error}); the last good data stays in force")]
    public static partial void PolicyDataReloadFailed(ILogger logger, string path, string error);

    [LoggerMessage(3010, LogLevel.Warning, "OPA could not decide ({Failure}); the request is denied (fail closed)")]
    public static partial void OpaUnavailable(ILogger logger, string failure);
}
