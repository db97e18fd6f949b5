using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using Msil.Mcp.Json;

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
/// <remarks>
/// A result is made either from its parts (<see cref="Text"/>, and <see cref="StructuredContent"/> or
/// <see cref="Content"/>), or from a JSON object or array in UTF-8 (<see cref="ToolResult(ReadOnlyMemory{byte})"/>),
/// which the core can write into the answer as it is. A result made from JSON produces its <see cref="Text"/> and
/// <see cref="StructuredContent"/> from those bytes only when they are read (once each).
/// </remarks>
public sealed record ToolResult
{
    private ReadOnlyMemory<byte> _utf8Json;
    private string? _text;
    private StructuredBox? _structured;

    /// <summary>Initializes a new, empty result; set <see cref="Text"/>.</summary>
    public ToolResult()
    {
    }

    /// <summary>Initializes a result from a JSON object or array in UTF-8, for example an HTTP backend's body.</summary>
    /// <param name="utf8Json">
    /// The JSON. The result keeps this memory, not a copy: it must not change while the result is in use (a pooled buffer
    /// cannot be given back before the answer is written; pass memory the result may own).
    /// </param>
    /// <remarks>
    /// <see cref="Text"/> is the JSON decoded as it is (whitespace and escapes kept); <see cref="StructuredContent"/> is the
    /// object itself, or for an array the object <c>{"items": […]}</c>. Both are produced from <see cref="Utf8Json"/> only
    /// when read; the core writes the answer from the bytes without either.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="utf8Json"/> is not valid UTF-8, not well-formed JSON, not an object or an array, or nested deeper than 64 levels (63 for an array, which is wrapped).</exception>
    [SetsRequiredMembers]
#pragma warning disable CS8618 // Text is set: its getter decodes utf8Json when first read.
    public ToolResult(ReadOnlyMemory<byte> utf8Json)
#pragma warning restore CS8618
    {
        if (!IsJsonObjectOrArray(utf8Json.Span))
        {
            throw new ArgumentException("The value is not a JSON object or array in valid UTF-8 within 64 levels of nesting.", nameof(utf8Json));
        }

        _utf8Json = utf8Json;
    }

    /// <summary>Gets the JSON object or array in UTF-8 this result was made from, from which <see cref="Text"/> and <see cref="StructuredContent"/> come.</summary>
    /// <value>Empty when the result was made from its parts, or when <see cref="Text"/> or <see cref="StructuredContent"/> was set after it was made.</value>
    public ReadOnlyMemory<byte> Utf8Json => _utf8Json;

    /// <summary>Gets the structured result (a JSON object), if any.</summary>
    /// <value>For a result made from JSON, the object, or <c>{"items": […]}</c> around an array, parsed when first read.</value>
    public JsonElement? StructuredContent
    {
        get
        {
            if (_structured is { } box)
            {
                return box.Value;
            }

            if (_utf8Json.IsEmpty)
            {
                return null;
            }

            box = new StructuredBox(Structure(_utf8Json.Span));
            _structured = box;
            return box.Value;
        }

        init
        {
            if (!_utf8Json.IsEmpty)
            {
                _text ??= Encoding.UTF8.GetString(_utf8Json.Span);
                _utf8Json = default;
            }

            _structured = new StructuredBox(value);
        }
    }

    /// <summary>Gets the text rendering of the result; the only content block when <see cref="Content"/> is empty.</summary>
    /// <value>For a result made from JSON, the JSON as text, decoded when first read.</value>
    public required string Text
    {
        get => _text ??= Encoding.UTF8.GetString(_utf8Json.Span);
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            if (!_utf8Json.IsEmpty)
            {
                _structured ??= new StructuredBox(Structure(_utf8Json.Span));
                _utf8Json = default;
            }

            _text = value;
        }
    }

    /// <summary>Gets the content blocks (text, image, audio, embedded resource, resource link) passed to the model instead of <see cref="Text"/>.</summary>
    /// <value>Defaults to empty: the result is the single text block <see cref="Text"/>.</value>
    public IReadOnlyList<ToolContent> Content { get; init; } = [];

    /// <summary>Gets whether the tool failed (the text says why, for the model).</summary>
    public bool IsError { get; init; }

    /// <summary>Gets the backend's HTTP status, for API-backed tools.</summary>
    public int? BackendStatus { get; init; }

    /// <summary>Gets the size of the result in bytes as received; when 0 and <see cref="Content"/> is set, the core records the content's character count.</summary>
    public long Size { get; init; }

    /// <summary>Whether <paramref name="utf8Json"/> is valid UTF-8 holding one JSON object or array, nested no deeper than a parse of it (and, for an array, of <c>{"items": […]}</c>) allows.</summary>
    private static bool IsJsonObjectOrArray(ReadOnlySpan<byte> utf8Json)
    {
        if (!System.Text.Unicode.Utf8.IsValid(utf8Json))
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(utf8Json);
            if (!reader.Read() || reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
            {
                return false;
            }

            var array = reader.TokenType == JsonTokenType.StartArray;
            var deepest = 0;
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    deepest = Math.Max(deepest, reader.CurrentDepth);
                }
            }

            // An array is wrapped, one level deeper than it reads: at most 63 levels, so that the wrapper parses.
            return !array || deepest < 63;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The structured content of JSON checked by <see cref="IsJsonObjectOrArray"/>: the object, or the array wrapped.</summary>
    private static JsonElement Structure(ReadOnlySpan<byte> utf8Json)
    {
        var first = 0;
        while (utf8Json[first] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            first++;
        }

        if (utf8Json[first] == (byte)'{')
        {
            return JsonElement.Parse(utf8Json);
        }

        return JsonItemsWrapper.Wrap(utf8Json);
    }

    /// <summary>The structured content once known (a reference, so a reader on another thread sees all of it or nothing).</summary>
    private sealed record StructuredBox(JsonElement? Value);
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
