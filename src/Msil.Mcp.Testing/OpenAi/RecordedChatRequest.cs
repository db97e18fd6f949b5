using System.Text.Json;

namespace Msil.Mcp.Testing;

/// <summary>A request an <see cref="OpenAiCompatibleTestServer"/> received on <c>/v1/chat/completions</c>.</summary>
public sealed class RecordedChatRequest
{
    internal RecordedChatRequest(JsonElement body, string? authorization)
    {
        Body = body;
        Authorization = authorization;
        Model = body.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() ?? string.Empty : string.Empty;
        Stream = body.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        var tools = new List<string>();
        if (body.TryGetProperty("tools", out var t) && t.ValueKind == JsonValueKind.Array)
        {
            foreach (var tool in t.EnumerateArray())
            {
                if (tool.TryGetProperty("function", out var f) && f.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String)
                {
                    tools.Add(n.GetString()!);
                }
            }
        }

        ToolNames = tools;
        var messages = new List<RecordedChatMessage>();
        if (body.TryGetProperty("messages", out var ms) && ms.ValueKind == JsonValueKind.Array)
        {
            foreach (var message in ms.EnumerateArray())
            {
                messages.Add(RecordedChatMessage.From(message));
            }
        }

        Messages = messages;
    }

    /// <summary>Gets the request body as sent.</summary>
    public JsonElement Body { get; }

    /// <summary>Gets the <c>Authorization</c> header as sent, or <see langword="null"/>.</summary>
    public string? Authorization { get; }

    /// <summary>Gets the requested model.</summary>
    public string Model { get; }

    /// <summary>Gets a value indicating whether the client asked for a streamed (SSE) answer.</summary>
    public bool Stream { get; }

    /// <summary>Gets the names of the functions (tools) the client offered.</summary>
    public IReadOnlyList<string> ToolNames { get; }

    /// <summary>Gets the conversation as sent.</summary>
    public IReadOnlyList<RecordedChatMessage> Messages { get; }
}

/// <summary>One message of a <see cref="RecordedChatRequest"/>.</summary>
/// <param name="Role">The role: <c>system</c>, <c>user</c>, <c>assistant</c> or <c>tool</c>.</param>
/// <param name="Content">The text content (parts joined), or an empty string.</param>
/// <param name="ToolCallId">For a <c>tool</c> message, the call it answers.</param>
/// <param name="ToolCalls">For an <c>assistant</c> message, the function names it called.</param>
public sealed record RecordedChatMessage(string Role, string Content, string? ToolCallId, IReadOnlyList<string> ToolCalls)
{
    internal static RecordedChatMessage From(JsonElement message)
    {
        var role = message.TryGetProperty("role", out var r) ? r.GetString() ?? string.Empty : string.Empty;
        var content = string.Empty;
        if (message.TryGetProperty("content", out var c))
        {
            content = c.ValueKind switch
            {
                JsonValueKind.String => c.GetString() ?? string.Empty,
                JsonValueKind.Array => string.Concat(c.EnumerateArray()
                    .Where(p => p.TryGetProperty("text", out _))
                    .Select(p => p.GetProperty("text").GetString())),
                _ => string.Empty,
            };
        }

        var toolCallId = message.TryGetProperty("tool_call_id", out var id) ? id.GetString() : null;
        var calls = new List<string>();
        if (message.TryGetProperty("tool_calls", out var tc) && tc.ValueKind == JsonValueKind.Array)
        {
            foreach (var call in tc.EnumerateArray())
            {
                if (call.TryGetProperty("function", out var f) && f.TryGetProperty("name", out var n))
                {
                    calls.Add(n.GetString() ?? string.Empty);
                }
            }
        }

        return new RecordedChatMessage(role, content, toolCallId, calls);
    }
}
