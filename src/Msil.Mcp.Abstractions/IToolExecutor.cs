using System.Text.Json;

namespace Msil.Mcp.Abstractions;

/// <summary>Runs tools of one <see cref="Kind"/> once every governance stage has passed.</summary>
public interface IToolExecutor
{
    /// <summary>Gets the kind this executor runs; matches <see cref="ToolDefinition.Executor"/>.</summary>
    string Kind { get; }

    /// <summary>Executes the tool.</summary>
    /// <param name="invocation">The validated, authorized call.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The result; a backend failure is a result with <see cref="ToolResult.IsError"/> set, not an exception.</returns>
    ValueTask<ToolResult> ExecuteAsync(ToolInvocation invocation, CancellationToken cancellationToken);
}

/// <summary>A validated, authorized tool call on its way to an executor.</summary>
public sealed class ToolInvocation
{
    /// <summary>Gets the tool being called.</summary>
    public required ToolDefinition Tool { get; init; }

    /// <summary>Gets the arguments, already validated against the input schema.</summary>
    public required IReadOnlyDictionary<string, JsonElement> Arguments { get; init; }

    /// <summary>Gets the caller.</summary>
    public required CallerIdentity Caller { get; init; }

    /// <summary>Gets the correlation id of the request.</summary>
    public required string CorrelationId { get; init; }

    /// <summary>Gets the caller's own access token, for token exchange. Never logged, never forwarded unless passthrough is configured.</summary>
    public SensitiveString? SubjectToken { get; init; }

    /// <summary>Gets the idempotency key generated once for this call.</summary>
    public required string IdempotencyKey { get; init; }

    /// <summary>Gets the request's service provider.</summary>
    public IServiceProvider? Services { get; init; }
}

/// <summary>What an executor produced.</summary>
public sealed record ToolResult
{
    /// <summary>Gets the structured result (a JSON object), if any.</summary>
    public JsonElement? StructuredContent { get; init; }

    /// <summary>Gets the text rendering of the result.</summary>
    public required string Text { get; init; }

    /// <summary>Gets whether the tool failed (the text says why, for the model).</summary>
    public bool IsError { get; init; }

    /// <summary>Gets the backend's HTTP status, for API-backed tools.</summary>
    public int? BackendStatus { get; init; }

    /// <summary>Gets the size of the result in bytes as received.</summary>
    public long Size { get; init; }
}

/// <summary>A secret string whose <see cref="ToString"/> never reveals it.</summary>
/// <param name="value">The secret.</param>
public sealed class SensitiveString(string value)
{
    /// <summary>Gets the secret value. Do not log it.</summary>
    public string Reveal() => value;

    /// <summary>Returns a fixed placeholder, so the secret never reaches a log by accident.</summary>
    /// <returns>The text <c>***</c>.</returns>
    public override string ToString() => "***";
}
