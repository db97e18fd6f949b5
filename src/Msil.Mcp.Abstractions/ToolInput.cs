using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Msil.Mcp.Abstractions;

/// <summary>
/// One request for client input in a multi-round-trip call (MRTR, SEP-2322): the client fulfils it (asks the user,
/// samples its model, lists its roots) and calls the tool again with the answer in
/// <see cref="IToolCallContext.InputResponses"/> under the same key.
/// </summary>
/// <param name="Method">The server-to-client method, for example <see cref="ElicitationMethod"/>.</param>
/// <param name="Params">The method's params object.</param>
public sealed record ToolInputRequest(string Method, JsonElement Params)
{
    /// <summary>The method of an elicitation (<c>elicitation/create</c>).</summary>
    public const string ElicitationMethod = "elicitation/create";

    /// <summary>The method of a sampling request (<c>sampling/createMessage</c>).</summary>
    public const string SamplingMethod = "sampling/createMessage";

    /// <summary>The method of a roots list request (<c>roots/list</c>).</summary>
    public const string RootsListMethod = "roots/list";

    /// <summary>Creates a form-mode elicitation request.</summary>
    /// <param name="message">The message shown to the user.</param>
    /// <param name="requestedSchema">The flat JSON object schema of the requested fields.</param>
    /// <returns>The request.</returns>
    public static ToolInputRequest Elicitation(string message, JsonElement requestedSchema)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (requestedSchema.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("The requested schema must be a JSON object schema.", nameof(requestedSchema));
        }

        return new ToolInputRequest(ElicitationMethod, Build(w =>
        {
            w.WriteString("message", message);
            w.WritePropertyName("requestedSchema");
            requestedSchema.WriteTo(w);
        }));
    }

    /// <summary>Creates a sampling request with one user text message.</summary>
    /// <param name="request">The request.</param>
    /// <returns>The request.</returns>
    public static ToolInputRequest Sampling(ToolSamplingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new ToolInputRequest(SamplingMethod, Build(w =>
        {
            w.WriteStartArray("messages");
            w.WriteStartObject();
            w.WriteString("role", "user");
            w.WriteStartObject("content");
            w.WriteString("type", "text");
            w.WriteString("text", request.Prompt);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteNumber("maxTokens", request.MaxTokens);
            if (request.SystemPrompt is not null)
            {
                w.WriteString("systemPrompt", request.SystemPrompt);
            }

            if (request.Temperature is { } temperature)
            {
                w.WriteNumber("temperature", temperature);
            }
        }));
    }

    /// <summary>Creates a roots list request.</summary>
    /// <returns>The request.</returns>
    public static ToolInputRequest RootsList() => new(RootsListMethod, Build(static _ => { }));

    private static JsonElement Build(Action<Utf8JsonWriter> body)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }
}

/// <summary>
/// Thrown by an executor to answer a call with an input-required result (MRTR, SEP-2322) instead of a tool result:
/// the client fulfils <see cref="InputRequests"/> and calls the tool again with the answers and the
/// <see cref="RequestState"/> echoed. The retried call passes every governance stage again (rate limit, validation,
/// policy, elevation, audit); the audit records this outcome as <see cref="AuditOutcomes.InputRequired"/>, not as a
/// failure. The core protects <see cref="RequestState"/> against tampering and binds it to the tool and the caller;
/// the executor reads it back, verified, from <see cref="IToolCallContext.RequestState"/>.
/// </summary>
public sealed class ToolInputRequiredException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="ToolInputRequiredException"/> class.</summary>
    /// <param name="inputRequests">The requests for client input, keyed by identifiers the executor chooses.</param>
    /// <param name="requestState">Opaque state the executor wants back on the retry, if any (not secret from the host, but never shown to the client in clear).</param>
    /// <exception cref="ArgumentException">Neither input requests nor state are given, or a key is empty.</exception>
    public ToolInputRequiredException(IReadOnlyDictionary<string, ToolInputRequest> inputRequests, string? requestState = null)
        : base("The tool needs input from the client before it can complete.")
    {
        ArgumentNullException.ThrowIfNull(inputRequests);
        if (inputRequests.Count == 0 && requestState is null)
        {
            throw new ArgumentException("An input-required result needs at least one input request or a request state.", nameof(inputRequests));
        }

        foreach (var (key, request) in inputRequests)
        {
            if (string.IsNullOrEmpty(key) || request is null)
            {
                throw new ArgumentException("Every input request needs a non-empty key and a request.", nameof(inputRequests));
            }
        }

        InputRequests = inputRequests;
        RequestState = requestState;
    }

    /// <summary>Initializes a new instance of the <see cref="ToolInputRequiredException"/> class with state only (the client retries at once, for example after load shedding).</summary>
    /// <param name="requestState">The state the executor wants back on the retry.</param>
    public ToolInputRequiredException(string requestState)
        : this(new Dictionary<string, ToolInputRequest>(0), requestState ?? throw new ArgumentNullException(nameof(requestState)))
    {
    }

    /// <summary>Gets the requests for client input, keyed by identifiers the executor chooses.</summary>
    public IReadOnlyDictionary<string, ToolInputRequest> InputRequests { get; }

    /// <summary>Gets the state the executor wants back on the retry, if any.</summary>
    public string? RequestState { get; }
}

/// <summary>A root the client exposes (a <c>roots/list</c> answer).</summary>
/// <param name="Uri">The root's URI, for example <c>file:///home/user/project</c>.</param>
/// <param name="Name">The root's display name, if any.</param>
public sealed record ToolRoot(string Uri, string? Name);

/// <summary>Typed readers for the client's answers in <see cref="IToolCallContext.InputResponses"/> (MRTR, SEP-2322).</summary>
/// <remarks>Each reader returns <see langword="false"/> when the key is missing or the answer does not have the expected shape; the executor then asks again (throws <see cref="ToolInputRequiredException"/>).</remarks>
public static class ToolInputResponses
{
    /// <summary>Reads the answer to an elicitation.</summary>
    /// <param name="context">The call context.</param>
    /// <param name="key">The key of the input request.</param>
    /// <param name="result">The answer: an <c>action</c> string and, when given, a content object.</param>
    /// <returns>Whether a well-formed answer was there.</returns>
    public static bool TryGetElicitationResponse(this IToolCallContext context, string key, [NotNullWhen(true)] out ToolElicitationResult? result)
    {
        result = null;
        if (!TryGetObject(context, key, out var value)
            || !value.TryGetProperty("action", out var action) || action.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        JsonElement? content = null;
        if (value.TryGetProperty("content", out var c) && c.ValueKind != JsonValueKind.Null)
        {
            if (c.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            content = c.Clone();
        }

        result = new ToolElicitationResult(action.GetString()!, content);
        return true;
    }

    /// <summary>Reads the answer to a sampling request.</summary>
    /// <param name="context">The call context.</param>
    /// <param name="key">The key of the input request.</param>
    /// <param name="result">The answer: the first text block, the model and the stop reason.</param>
    /// <returns>Whether a well-formed answer was there.</returns>
    public static bool TryGetSamplingResponse(this IToolCallContext context, string key, [NotNullWhen(true)] out ToolSamplingResult? result)
    {
        result = null;
        if (!TryGetObject(context, key, out var value) || !value.TryGetProperty("content", out var content))
        {
            return false;
        }

        string? text = null;
        if (content.ValueKind == JsonValueKind.Object)
        {
            text = TextOf(content);
        }
        else if (content.ValueKind == JsonValueKind.Array)
        {
            foreach (var block in content.EnumerateArray())
            {
                if (block.ValueKind == JsonValueKind.Object && (text = TextOf(block)) is not null)
                {
                    break;
                }
            }
        }
        else
        {
            return false;
        }

        result = new ToolSamplingResult(text, StringOf(value, "model"), StringOf(value, "stopReason"));
        return true;
    }

    /// <summary>Reads the answer to a roots list request.</summary>
    /// <param name="context">The call context.</param>
    /// <param name="key">The key of the input request.</param>
    /// <param name="roots">The roots.</param>
    /// <returns>Whether a well-formed answer was there.</returns>
    public static bool TryGetRootsResponse(this IToolCallContext context, string key, [NotNullWhen(true)] out IReadOnlyList<ToolRoot>? roots)
    {
        roots = null;
        if (!TryGetObject(context, key, out var value)
            || !value.TryGetProperty("roots", out var array) || array.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        var list = new List<ToolRoot>(array.GetArrayLength());
        foreach (var root in array.EnumerateArray())
        {
            if (root.ValueKind != JsonValueKind.Object || StringOf(root, "uri") is not { } uri)
            {
                return false;
            }

            list.Add(new ToolRoot(uri, StringOf(root, "name")));
        }

        roots = list;
        return true;
    }

    private static bool TryGetObject(IToolCallContext context, string key, out JsonElement value)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(key);
        return context.InputResponses.TryGetValue(key, out value) && value.ValueKind == JsonValueKind.Object;
    }

    private static string? TextOf(JsonElement block)
        => StringOf(block, "type") == "text" ? StringOf(block, "text") : null;

    private static string? StringOf(JsonElement value, string name)
        => value.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
}
