using Microsoft.Extensions.AI;

namespace Msil.Mcp.Chat.Conversations;

/// <summary>One user's conversation: what the page shows and the history the model is sent.</summary>
internal sealed class ChatConversation
{
    public string Id { get; set; } = Guid.NewGuid().ToString("N");

    public string? ModelName { get; set; }

    public List<ChatEntry> Entries { get; set; } = [];

    public List<ChatMessage> History { get; set; } = [];
}

/// <summary>What the page shows for one step of a conversation.</summary>
internal sealed class ChatEntry
{
    public const string User = "user";
    public const string Assistant = "assistant";
    public const string Tool = "tool";
    public const string Notice = "notice";

    public string Role { get; set; } = Notice;

    public string Text { get; set; } = string.Empty;

    public ToolCallCard? Card { get; set; }
}
