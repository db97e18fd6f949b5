using Microsoft.Extensions.Logging;

namespace Msil.Mcp.Policy.Opa;

/// <summary>The policy package's log messages (event ids 3000–3999). None carries a reason, role, group or argument.</summary>
internal static partial class Log
{
    [LoggerMessage(3000, LogLevel.Information, "Policy data reloaded from {Path}: {Roles} roles, {Tools} tool rules")]
    public static partial void PolicyDataReloaded(ILogger logger, string path, int roles, int tools);

    [LoggerMessage(3001, LogLevel.Error, "Policy data in {Path} could not be read ({Error}); the last good data stays in force")]
    public static partial void PolicyDataReloadFailed(ILogger logger, string path, string error);

    [LoggerMessage(3002, LogLevel.Information, "Policy data loaded from {Path}: {Roles} roles, {Tools} tool rules")]
    public static partial void PolicyDataLoaded(ILogger logger, string path, int roles, int tools);

    [LoggerMessage(3010, LogLevel.Warning, "OPA could not decide ({Failure}); the request is denied (fail closed)")]
    public static partial void OpaUnavailable(ILogger logger, string failure);

    [LoggerMessage(3011, LogLevel.Debug, "OPA could not decide ({Failure}); the request is denied (fail closed), warned about in the last 10 s")]
    public static partial void OpaUnavailableRepeated(ILogger logger, string failure);

}
