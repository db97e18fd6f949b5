using Microsoft.Extensions.Logging;

namespace Msil.Mcp.Diagnostics;

/// <summary>The core's log messages (event ids 100–999). Never a token, claim value or argument value.</summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Warning, "Tool '{ToolName}' was not added to the MCP server: {Reason}")]
    public static partial void ToolRejected(ILogger logger, string toolName, string reason);

    [LoggerMessage(101, LogLevel.Debug, "Catalog version {Version} synced: {Count} tools, {Rejected} rejected")]
    public static partial void CatalogSynced(ILogger logger, long version, int count, int rejected);

    [LoggerMessage(110, LogLevel.Information, "Call to tool '{ToolName}' denied by {Engine} (decision {DecisionId}): {Reason}")]
    public static partial void CallDenied(ILogger logger, string toolName, string decisionId, string engine, string reason);

    [LoggerMessage(111, LogLevel.Warning, "Elevation check for tool '{ToolName}' failed ({ErrorType}); the call is refused")]
    public static partial void ElevationCheckFailed(ILogger logger, string toolName, string errorType);

    [LoggerMessage(112, LogLevel.Error, "Audit record of a call to '{ToolName}' could not be written ({ErrorType})")]
    public static partial void AuditWriteFailed(ILogger logger, string toolName, string errorType);

    [LoggerMessage(113, LogLevel.Error, "Arguments of a call to '{ToolName}' could not be redacted ({ErrorType}); the audit record keeps only their hash")]
    public static partial void ArgumentRedactionFailed(ILogger logger, string toolName, string errorType);

    [LoggerMessage(120, LogLevel.Warning, "Request from origin '{Origin}' refused: not same-origin and not in Msil:Mcp:AllowedOrigins")]
    public static partial void OriginRefused(ILogger logger, string origin);

    [LoggerMessage(121, LogLevel.Warning, "Request for host '{Host}' refused: not in AllowedHosts")]
    public static partial void HostRefused(ILogger logger, string host);

    [LoggerMessage(122, LogLevel.Information, "AllowedHosts is not set: host filtering accepts only loopback names ({Hosts}) in the {Environment} environment")]
    public static partial void LoopbackHostsOnly(ILogger logger, string hosts, string environment);

    [LoggerMessage(130, LogLevel.Warning, "No audit package is configured: governed calls are not recorded. Add .AddAudit() to record them.")]
    public static partial void NoAuditSink(ILogger logger);

    [LoggerMessage(133, LogLevel.Warning, "ANONYMOUS CALLERS ARE ALLOWED: every MCP request without a token runs as '{UserId}' with roles [{Roles}] (environment {Environment}). Never do this outside tests and conformance hosts.")]
    public static partial void AnonymousCallersAllowed(ILogger logger, string userId, string roles, string environment);

    [LoggerMessage(131, LogLevel.Warning, "No policy package is configured: only read tools are open, to authenticated users (fail closed). Add .AddOpaPolicy() for role-based decisions.")]
    public static partial void NoPolicyEngine(ILogger logger);

    [LoggerMessage(132, LogLevel.Information, "Governed MCP server '{ServerName}' ready with {ToolCount} tool(s): session mode {SessionMode}, policy {Policy}, elevation {Elevation}, audit {Audit}, executors [{Executors}]")]
    public static partial void Ready(ILogger logger, string serverName, int toolCount, string sessionMode, string policy, string elevation, string audit, string executors);

    [LoggerMessage(140, LogLevel.Warning, "The shared rate-limit store (Redis) cannot be reached ({ErrorType}): {Effect} until it answers again")]
    public static partial void RateLimitStoreUnavailable(ILogger logger, string errorType, string effect);

    [LoggerMessage(141, LogLevel.Information, "The shared rate-limit store (Redis) answers again; limits hold across replicas")]
    public static partial void RateLimitStoreRecovered(ILogger logger);

    [LoggerMessage(114, LogLevel.Warning, "Call to tool '{ToolName}' refused: its {Reason}")]
    public static partial void RequestStateRejected(ILogger logger, string toolName, string reason);

    [LoggerMessage(150, LogLevel.Information, "Call to tool '{ToolName}' runs on as task {TaskId}")]
    public static partial void TaskCreated(ILogger logger, string toolName, string taskId);

    [LoggerMessage(151, LogLevel.Information, "Task {TaskId} of tool '{ToolName}' ended: {Outcome}")]
    public static partial void TaskEnded(ILogger logger, string toolName, string taskId, string outcome);

    [LoggerMessage(152, LogLevel.Warning, "Task {TaskId} of tool '{ToolName}' failed ({ErrorType})")]
    public static partial void TaskFailed(ILogger logger, string toolName, string taskId, string errorType);

    [LoggerMessage(153, LogLevel.Error, "A task's background work failed unexpectedly ({ErrorType})")]
    public static partial void TaskBackgroundFailed(ILogger logger, string errorType);

    [LoggerMessage(154, LogLevel.Warning, "{Count} task(s) had not ended when the shutdown timeout elapsed")]
    public static partial void TasksAbandoned(ILogger logger, int count);

    [LoggerMessage(200, LogLevel.Warning, "Configuration: {Problem}")]
    public static partial void UnknownConfigurationKey(ILogger logger, string problem);

    [LoggerMessage(201, LogLevel.Warning, "The catalog has no tools, so every client sees an empty tools/list. Add OpenAPI sources under Msil:Mcp:Registry:Sources (check the section's spelling), a [MsilTool] class, or AddTools().")]
    public static partial void EmptyCatalog(ILogger logger);

    [LoggerMessage(202, LogLevel.Information, "Call to unknown tool '{ToolName}' refused: no catalog tool has this name")]
    public static partial void UnknownToolRefused(ILogger logger, string toolName);

    [LoggerMessage(203, LogLevel.Information, "Call to tool '{ToolName}' needs elevation: {Reason}; the caller was sent the approval URL (-32042)")]
    public static partial void ElevationRequired(ILogger logger, string toolName, string reason);
}
