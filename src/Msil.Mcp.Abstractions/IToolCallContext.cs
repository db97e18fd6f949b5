using System.Text.Json;

namespace Msil.Mcp.Abstractions;

/// <summary>
/// What an executor can do toward the MCP client while its tool runs: report progress, send log messages, and ask the
/// client for a sampling or an elicitation. The core implements it over the MCP session of the call.
/// </summary>
public interface IToolCallContext
{
    /// <summary>Gets whether the client asked for progress (it sent a progress token); otherwise progress reports are dropped.</summary>
    bool CanReportProgress { get; }

    /// <summary>Gets whether the client declared the sampling capability.</summary>
    bool SupportsSampling { get; }

    /// <summary>Gets whether the client declared the elicitation capability.</summary>
    bool SupportsElicitation { get; }

    /// <summary>Gets whether the client declared the roots capability.</summary>
    bool SupportsRoots => false;

    /// <summary>
    /// Gets whether a <see cref="ToolInputRequiredException"/> reaches the client (MRTR, SEP-2322): natively when the
    /// client speaks protocol 2026-07-28 or later, and on an older stateful session because the SDK fulfils the input
    /// requests by ordinary server-to-client requests and calls the tool again itself (through every governance stage).
    /// On an older stateless session there is no way to ask the client: answer with a tool error instead.
    /// </summary>
    bool SupportsInputRequests => false;

    /// <summary>
    /// Gets the client's answers to the input requests of an earlier <see cref="ToolInputRequiredException"/>, keyed as
    /// they were requested (raw JSON; read them with the <see cref="ToolInputResponses"/> helpers). Keys the executor
    /// did not ask for are there too and are best ignored; a missing or malformed answer is best asked for again.
    /// </summary>
    /// <value>Empty on a first call.</value>
    IReadOnlyDictionary<string, JsonElement> InputResponses => EmptyInputResponses;

    /// <summary>
    /// Gets the request state the executor put in its <see cref="ToolInputRequiredException"/>, echoed by the client and
    /// verified by the core (it refuses a tampered or expired state, or one issued for another tool or caller, before any
    /// governance stage runs).
    /// </summary>
    /// <value><see langword="null"/> when the call carried no request state.</value>
    string? RequestState => null;

    /// <summary>
    /// Gets whether this call can become a task of the MCP tasks extension (SEP-2663): the tool supports tasks and the
    /// client negotiated the extension. Then <see cref="RunAsTaskAsync"/> moves the call to the background.
    /// </summary>
    bool CanRunAsTask => false;

    /// <summary>Gets the id of the task this call runs as, once it became one (SEP-2663).</summary>
    /// <value><see langword="null"/> while the call runs inline in its request.</value>
    /// <remarks>
    /// Inside a task the request is over: progress becomes the task's status message, log messages are dropped, and
    /// <see cref="SampleAsync"/>, <see cref="ElicitAsync"/>, <see cref="SendRequestAsync"/> and
    /// <see cref="EnablePollingAsync"/> throw <see cref="InvalidOperationException"/>. Ask for input by throwing
    /// <see cref="ToolInputRequiredException"/>: the task waits in <c>input_required</c> and the executor is called again
    /// with the answers and its request state, as for an inline call.
    /// </remarks>
    string? TaskId => null;

    /// <summary>
    /// Turns the call into a task now (SEP-2663): the client gets a task id at once and the executor keeps running in the
    /// background. Returns once the task exists. Does nothing when <see cref="CanRunAsTask"/> is <see langword="false"/>
    /// (the call keeps running inline) or when the call already is a task.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the call runs as a task, or at once.</returns>
    ValueTask RunAsTaskAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <summary>Gets an empty set of input responses.</summary>
    protected static IReadOnlyDictionary<string, JsonElement> EmptyInputResponses { get; } = new Dictionary<string, JsonElement>(0);

    /// <summary>Sends a <c>notifications/progress</c> for this call; does nothing when <see cref="CanReportProgress"/> is <see langword="false"/>.</summary>
    /// <param name="progress">The progress so far; must increase with each report.</param>
    /// <param name="total">The total, if known.</param>
    /// <param name="message">A short human-readable message, if any.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>A task that completes when the notification is sent.</returns>
    ValueTask ReportProgressAsync(double progress, double? total = null, string? message = null, CancellationToken cancellationToken = default);

    /// <summary>Sends a <c>notifications/message</c> log message to the client, if <paramref name="level"/> is at or above the level the client set.</summary>
    /// <param name="level">The severity.</param>
    /// <param name="message">The message. Never put secrets, tokens or raw arguments in it.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>A task that completes when the message is sent (or dropped by level).</returns>
    ValueTask LogAsync(ToolLogLevel level, string message, CancellationToken cancellationToken = default);

    /// <summary>Asks the client to sample its language model (<c>sampling/createMessage</c>) with one user message.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The client's answer.</returns>
    /// <exception cref="InvalidOperationException">The session has no channel for server-to-client requests.</exception>
    /// <remarks>When the client did not declare sampling the core throws the MCP SDK's missing-capability exception: the call ends with the protocol error -32021, not a tool error. Check <see cref="SupportsSampling"/> first to answer with a tool error instead.</remarks>
    ValueTask<ToolSamplingResult> SampleAsync(ToolSamplingRequest request, CancellationToken cancellationToken = default);

    /// <summary>Asks the user for input through the client (<c>elicitation/create</c>, form mode).</summary>
    /// <param name="message">The message shown to the user.</param>
    /// <param name="requestedSchema">The flat JSON object schema of the requested fields.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The user's action and, when accepted, the content.</returns>
    /// <exception cref="InvalidOperationException">The session has no channel for server-to-client requests.</exception>
    /// <remarks>When the client did not declare elicitation the core throws the MCP SDK's missing-capability exception: the call ends with the protocol error -32021, not a tool error. Check <see cref="SupportsElicitation"/> first to answer with a tool error instead.</remarks>
    ValueTask<ToolElicitationResult> ElicitAsync(string message, JsonElement requestedSchema, CancellationToken cancellationToken = default);

    /// <summary>
    /// Ends the current response stream early and tells the client to reconnect after <paramref name="retryInterval"/>
    /// (SSE polling, SEP-1699); the tool keeps running and its result reaches the client on the resumed stream.
    /// </summary>
    /// <remarks>
    /// With ModelContextProtocol 2.4.0 (as 2.3.1) a resumed stream replays the events stored so far and then ends: a client that
    /// reconnects before the result is stored gets an empty stream and must poll again after the retry interval.
    /// </remarks>
    /// <param name="retryInterval">How long the client should wait before reconnecting.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the stream is closed.</returns>
    /// <exception cref="InvalidOperationException">The transport cannot resume streams (stateless mode, or no event-stream store).</exception>
    ValueTask EnablePollingAsync(TimeSpan retryInterval, CancellationToken cancellationToken = default);

    /// <summary>Sends any other server-to-client request at JSON level (an escape hatch for requests without a typed method here).</summary>
    /// <param name="method">The JSON-RPC method, for example <c>roots/list</c>.</param>
    /// <param name="parameters">The request's params object.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The response's result.</returns>
    /// <exception cref="InvalidOperationException">The session has no channel for server-to-client requests.</exception>
    ValueTask<JsonElement> SendRequestAsync(string method, JsonElement parameters, CancellationToken cancellationToken = default);
}

/// <summary>The severity of a log message sent to the client (the MCP / RFC 5424 levels).</summary>
public enum ToolLogLevel
{
    /// <summary>Debugging detail.</summary>
    Debug,

    /// <summary>Informational.</summary>
    Info,

    /// <summary>Normal but significant.</summary>
    Notice,

    /// <summary>A warning.</summary>
    Warning,

    /// <summary>An error.</summary>
    Error,

    /// <summary>A critical condition.</summary>
    Critical,

    /// <summary>Action must be taken at once.</summary>
    Alert,

    /// <summary>The system is unusable.</summary>
    Emergency,
}

/// <summary>A sampling request with one user text message.</summary>
/// <param name="Prompt">The user message.</param>
/// <param name="MaxTokens">The largest number of tokens to generate.</param>
public sealed record ToolSamplingRequest(string Prompt, int MaxTokens)
{
    /// <summary>Gets the system prompt, if any.</summary>
    public string? SystemPrompt { get; init; }

    /// <summary>Gets the sampling temperature, if any.</summary>
    public float? Temperature { get; init; }
}

/// <summary>The client's answer to a sampling request.</summary>
/// <param name="Text">The text of the answer, if it had a text block.</param>
/// <param name="Model">The model that answered.</param>
/// <param name="StopReason">Why generation stopped, if given.</param>
public sealed record ToolSamplingResult(string? Text, string? Model, string? StopReason);

/// <summary>The user's answer to an elicitation.</summary>
/// <param name="Action"><c>accept</c>, <c>decline</c> or <c>cancel</c>.</param>
/// <param name="Content">The submitted values when accepted (a JSON object); otherwise <see langword="null"/>.</param>
public sealed record ToolElicitationResult(string Action, JsonElement? Content);
