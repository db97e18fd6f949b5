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

    /// <summary>Gets the call's channel to the MCP client (progress, log messages, sampling, elicitation).</summary>
    /// <value><see langword="null"/> when the call did not come through an MCP session (for example in a unit test).</value>
    public IToolCallContext? Context { get; init; }
}

/// <summary>What an executor produced.</summary>
public sealed record ToolResult
{
    /// <summary>Gets the structured result (a JSON object), if any.</summary>
    public JsonElement? StructuredContent { get; init; }

    /// <summary>Gets the text rendering of the result; the only content block when <see cref="Content"/> is empty.</summary>
    public required string Text { get; init; }

    /// <summary>Gets the content blocks (text, image, audio, embedded resource, resource link) passed to the model instead of <see cref="Text"/>.</summary>
    /// <value>Defaults to empty: the result is the single text block <see cref="Text"/>.</value>
    public IReadOnlyList<ToolContent> Content { get; init; } = [];

    /// <summary>Gets whether the tool failed (the text says why, for the model).</summary>
    public bool IsError { get; init; }

    /// <summary>Gets the backend's HTTP status, for API-backed tools.</summary>
    public int? BackendStatus { get; init; }

    /// <summary>Gets the size of the result in bytes as received; when 0 and <see cref="Content"/> is set, the core records the content's character count.</summary>
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
