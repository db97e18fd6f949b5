using System.Collections.Concurrent;
using System.Text.Json;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Testing;

/// <summary>
/// A tool executor whose behaviour per tool is set in the test; a tool without a handler answers
/// <c>{"ok":true,"tool":"…"}</c> as text and structured content. Records every invocation.
/// </summary>
public sealed class ScriptedToolExecutor : IToolExecutor
{
    /// <summary>The default executor kind.</summary>
    public const string DefaultKind = "test";

    private readonly ConcurrentDictionary<string, Func<ToolInvocation, CancellationToken, ValueTask<ToolResult>>> _handlers = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<ToolInvocation> _invocations = new();

    /// <summary>Initializes a new instance.</summary>
    /// <param name="kind">The executor kind that tool definitions name in <see cref="ToolDefinition.Executor"/>.</param>
    public ScriptedToolExecutor(string kind = DefaultKind)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        Kind = kind;
    }

    /// <inheritdoc />
    public string Kind { get; }

    /// <summary>Gets the invocations so far, in order.</summary>
    public IReadOnlyList<ToolInvocation> Invocations => [.. _invocations];

    /// <summary>Returns how often <paramref name="tool"/> ran.</summary>
    /// <param name="tool">The tool name.</param>
    /// <returns>The count.</returns>
    public int Runs(string tool) => _invocations.Count(i => string.Equals(i.Tool.Name, tool, StringComparison.Ordinal));

    /// <summary>Sets how <paramref name="tool"/> runs.</summary>
    /// <param name="tool">The tool name.</param>
    /// <param name="handler">The handler.</param>
    /// <returns>This instance.</returns>
    public ScriptedToolExecutor On(string tool, Func<ToolInvocation, CancellationToken, ValueTask<ToolResult>> handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(tool);
        ArgumentNullException.ThrowIfNull(handler);
        _handlers[tool] = handler;
        return this;
    }

    /// <summary>Makes <paramref name="tool"/> answer <paramref name="text"/>.</summary>
    /// <param name="tool">The tool name.</param>
    /// <param name="text">The result text.</param>
    /// <param name="isError">Whether the result is a tool error.</param>
    /// <returns>This instance.</returns>
    public ScriptedToolExecutor Returns(string tool, string text, bool isError = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        return On(tool, (_, _) => new(new ToolResult { Text = text, IsError = isError, Size = text.Length }));
    }

    /// <inheritdoc />
    public ValueTask<ToolResult> ExecuteAsync(ToolInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        _invocations.Enqueue(invocation);
        if (_handlers.TryGetValue(invocation.Tool.Name, out var handler))
        {
            return handler(invocation, cancellationToken);
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("ok", true);
            writer.WriteString("tool", invocation.Tool.Name);
            writer.WriteEndObject();
        }

        var text = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
        return new(new ToolResult { Text = text, StructuredContent = JsonElement.Parse(buffer.WrittenSpan), Size = text.Length });
    }
}
