using Microsoft.Extensions.Logging;

namespace Msil.Mcp.Chat;

/// <summary>The chat host's log messages (event ids 8000–8099). Never a token, a prompt, an answer or argument values.</summary>
internal static partial class Log
{
    [LoggerMessage(8000, LogLevel.Information, "Chat host: {Count} language model(s) configured; manual mode is always available")]
    public static partial void ModelsConfigured(ILogger logger, int count);

    [LoggerMessage(8001, LogLevel.Information, "Chat host: no language model configured, manual mode only (set Msil:Mcp:Chat:Models to add one)")]
    public static partial void NoModels(ILogger logger);

    [LoggerMessage(8002, LogLevel.Information, "Chat: connected to the MCP server on protocol revision {ProtocolVersion}")]
    public static partial void Connected(ILogger logger, string protocolVersion);

    [LoggerMessage(8003, LogLevel.Information, "Chat: the server's tool list changed; it is read again before the next model call")]
    public static partial void ToolListChanged(ILogger logger);

    [LoggerMessage(8004, LogLevel.Information, "Chat: tool call ended {Status} (attempt {Attempt})")]
    public static partial void ToolCallEnded(ILogger logger, ToolCallStatus status, int attempt);

    [LoggerMessage(8005, LogLevel.Warning, "Chat: the language model '{Model}' failed ({ErrorType})")]
    public static partial void ModelFailed(ILogger logger, string model, string errorType);

    [LoggerMessage(8006, LogLevel.Warning, "Chat: the turn stopped after {Count} tool calls (Msil:Mcp:Chat:MaxToolCallsPerTurn)")]
    public static partial void TooManyToolCalls(ILogger logger, int count);

    [LoggerMessage(8007, LogLevel.Warning, "Chat: the conversation store failed ({ErrorType}); the conversation is kept for this page only")]
    public static partial void StoreFailed(ILogger logger, string errorType);
}
