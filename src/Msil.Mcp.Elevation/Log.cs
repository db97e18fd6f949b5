using Microsoft.Extensions.Logging;

namespace Msil.Mcp.Elevation;

/// <summary>The elevation package's log messages (event ids 4000–4999). Never a token, user id or argument value.</summary>
internal static partial class Log
{
    [LoggerMessage(4000, LogLevel.Warning, "The elevation grant store cannot be reached ({ErrorType}) during {Operation} of scope '{Scope}'; privileged calls are refused")]
    public static partial void StoreUnavailable(ILogger logger, string operation, string scope, string errorType);

    [LoggerMessage(4001, LogLevel.Information, "Elevation grant {ApprovalReference} recorded for scope '{Scope}' until {ExpiresAt:O} (single use: {SingleUse})")]
    public static partial void GrantRecorded(ILogger logger, string approvalReference, string scope, DateTimeOffset expiresAt, bool singleUse);

    [LoggerMessage(4002, LogLevel.Information, "Elevation grant for scope '{Scope}' revoked (found: {Found})")]
    public static partial void GrantRevoked(ILogger logger, string scope, bool found);

    [LoggerMessage(4003, LogLevel.Information, "Single-use elevation grant {ApprovalReference} for scope '{Scope}' used")]
    public static partial void GrantUsed(ILogger logger, string approvalReference, string scope);

    [LoggerMessage(4004, LogLevel.Information, "Elevation grant {ApprovalReference} for scope '{Scope}' not used: {Reason}")]
    public static partial void GrantRefused(ILogger logger, string approvalReference, string scope, string reason);

    [LoggerMessage(4010, LogLevel.Error, "Elevation audit record '{Action}' could not be written ({ErrorType})")]
    public static partial void AuditWriteFailed(ILogger logger, string action, string errorType);

    [LoggerMessage(6030, LogLevel.Warning, "The pending elevation request store cannot be reached ({ErrorType}); the request for scope '{Scope}' is not listed")]
    public static partial void RequestStoreUnavailable(ILogger logger, string scope, string errorType);

    [LoggerMessage(6031, LogLevel.Warning, "The elevation grant store cannot be listed ({ErrorType})")]
    public static partial void GrantListFailed(ILogger logger, string errorType);
}
