using Msil.Mcp.WebUi;

namespace Msil.Mcp.Chat;

/// <summary>The chat host's name in the shared web shell, its configuration section and its menu.</summary>
internal static class ChatConsole
{
    /// <summary>The console name (auth schemes <c>MsilWebUi.chat.*</c>, cookie <c>.Msil.chat</c>).</summary>
    public const string Name = "chat";

    /// <summary>Everyone signed in may chat: the server decides what each user's tools do.</summary>
    public static readonly IReadOnlyList<MsilNavItem> Menu =
    [
        new("Chat", string.Empty, null),
    ];
}
