using Microsoft.Extensions.Logging;

namespace Msil.Mcp.Apim;

/// <summary>The APIM package's log messages (event ids 5000–5999). Never a header value, token, key or argument.</summary>
internal static partial class Log
{
    [LoggerMessage(5000, LogLevel.Debug, "Backend call of tool '{ToolName}' through gateway '{Gateway}' answered {Status} after {Attempts} attempt(s) in {ElapsedMs} ms")]
    public static partial void BackendCalled(ILogger logger, string toolName, string gateway, int status, int attempts, double elapsedMs);

    [LoggerMessage(5001, LogLevel.Warning, "Backend call of tool '{ToolName}' through gateway '{Gateway}' failed: {Outcome} after {Attempts} attempt(s)")]
    public static partial void BackendUnavailable(ILogger logger, string toolName, string gateway, string outcome, int attempts);

    [LoggerMessage(5002, LogLevel.Warning, "No downstream token could be obtained for tool '{ToolName}'")]
    public static partial void DownstreamTokenUnavailable(ILogger logger, string toolName);

    [LoggerMessage(5003, LogLevel.Information, "Retrying tool '{ToolName}' through gateway '{Gateway}': attempt {Attempt} failed ({Reason}); next attempt in {DelayMs} ms")]
    public static partial void Retrying(ILogger logger, string toolName, string gateway, int attempt, string reason, double delayMs);

    [LoggerMessage(5004, LogLevel.Warning, "Circuit breaker of gateway '{Gateway}' changed from {From} to {To}")]
    public static partial void CircuitStateChanged(ILogger logger, string gateway, string from, string to);

    [LoggerMessage(5005, LogLevel.Debug, "Call of tool '{ToolName}' refused: the circuit breaker of gateway '{Gateway}' is open")]
    public static partial void CircuitRejected(ILogger logger, string toolName, string gateway);

    [LoggerMessage(5006, LogLevel.Warning, "Call of tool '{ToolName}' through gateway '{Gateway}' ran out of its {TimeoutMs} ms limit")]
    public static partial void CallTimedOut(ILogger logger, string toolName, string gateway, double timeoutMs);

    [LoggerMessage(5007, LogLevel.Debug, "Response of tool '{ToolName}' was cut at {MaxBytes} bytes")]
    public static partial void ResponseCut(ILogger logger, string toolName, int maxBytes);

    [LoggerMessage(5008, LogLevel.Warning, "Call of tool '{ToolName}' through gateway '{Gateway}' not sent: the value of header '{Header}' is not printable ASCII")]
    public static partial void RequestUnsendable(ILogger logger, string toolName, string gateway, string header);

    [LoggerMessage(5010, LogLevel.Information, "Client certificate of gateway '{Gateway}' loaded: {Subject} ({Thumbprint}), valid until {NotAfter}; rotated: {Rotated}")]
    public static partial void ClientCertificateLoaded(ILogger logger, string gateway, string subject, string thumbprint, DateTime notAfter, bool rotated);

    [LoggerMessage(5011, LogLevel.Error, "Client certificate files of gateway '{Gateway}' could not be read ({ErrorType}); the previous certificate, if any, stays in use")]
    public static partial void ClientCertificateUnreadable(ILogger logger, string gateway, string errorType);

    [LoggerMessage(5012, LogLevel.Error, "Client certificate of gateway '{Gateway}' could not be loaded ({ErrorType}): the files must hold a PEM certificate and its matching private key; the previous certificate, if any, stays in use")]
    public static partial void ClientCertificateInvalid(ILogger logger, string gateway, string errorType);

    [LoggerMessage(5013, LogLevel.Warning, "Gateway '{Gateway}' presented a certificate that was refused: {Status}")]
    public static partial void ServerCertificateRejected(ILogger logger, string gateway, string status);

    [LoggerMessage(5014, LogLevel.Information, "CA bundle of gateway '{Gateway}' loaded: {Count} certificate(s)")]
    public static partial void CaBundleLoaded(ILogger logger, string gateway, int count);

    [LoggerMessage(5015, LogLevel.Error, "CA bundle of gateway '{Gateway}' could not be read ({ErrorType}); the previous bundle, if any, stays in use")]
    public static partial void CaBundleUnreadable(ILogger logger, string gateway, string errorType);

    [LoggerMessage(5016, LogLevel.Error, "CA bundle of gateway '{Gateway}' could not be loaded ({ErrorType}); the previous bundle, if any, stays in use")]
    public static partial void CaBundleInvalid(ILogger logger, string gateway, string errorType);

    [LoggerMessage(5021, LogLevel.Warning, "{UrlKey} is plain http in Production because {SettingKey}=true: the subscription key and the users' downstream tokens travel unencrypted to the gateway")]
    public static partial void InsecureGatewayAllowed(ILogger logger, string urlKey, string settingKey);

    [LoggerMessage(5020, LogLevel.Information, "Removed {HandlerType} from the HTTP client '{ClientName}': the API gateway clients have their own resilience, which never resends a request that is not safe to repeat")]
    public static partial void ForeignResilienceHandlerRemoved(ILogger logger, string clientName, string handlerType);
}
