using Microsoft.Extensions.Logging;

namespace Msil.Mcp.WebUi;

/// <summary>The web shell's log messages (event ids 7100–7149). Never a token, a claim value or a session id.</summary>
internal static partial class Log
{
    [LoggerMessage(7100, LogLevel.Information, "Web console {Console} mounted at {Path}, signing in with {Authority}")]
    public static partial void ConsoleMounted(ILogger logger, string console, string path, string authority);

    [LoggerMessage(7101, LogLevel.Debug, "Access token of a {Console} session refreshed")]
    public static partial void TokenRefreshed(ILogger logger, string console);

    [LoggerMessage(7102, LogLevel.Information, "Access token of a {Console} session expired and cannot be refreshed: the user signs in again")]
    public static partial void SignInRequired(ILogger logger, string console);

    [LoggerMessage(7103, LogLevel.Warning, "Refreshing the access token of a {Console} session failed with status {Status}")]
    public static partial void TokenRefreshFailed(ILogger logger, string console, int status);

    [LoggerMessage(7104, LogLevel.Warning, "Server API {Method} {Path} failed with status {Status}")]
    public static partial void ApiFailed(ILogger logger, string method, string path, int status);

    [LoggerMessage(7105, LogLevel.Warning, "Server API {Method} {Path} could not be reached")]
    public static partial void ApiUnreachable(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(7106, LogLevel.Information, "OIDC sign-in to {Console} failed: {Reason}")]
    public static partial void SignInFailed(ILogger logger, string console, string reason);
}
