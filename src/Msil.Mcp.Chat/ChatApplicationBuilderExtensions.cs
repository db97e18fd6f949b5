using Msil.Mcp.Chat;
using Msil.Mcp.Chat.Components;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Mounts the Msil.Mcp chat host.</summary>
public static class ChatApplicationBuilderExtensions
{
    /// <summary>
    /// Serves the chat host under <paramref name="path"/> (sign-in, the chat page, its assets), in the MCP server's own
    /// host or in a host of its own; needs <c>services.AddMsilMcpChat(…)</c>.
    /// </summary>
    /// <param name="app">The application.</param>
    /// <param name="path">The mount path.</param>
    /// <returns><paramref name="app"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="app"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The chat host's services are not registered.</exception>
    public static IApplicationBuilder MapMsilMcpChat(this IApplicationBuilder app, string path = "/chat")
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.MapMsilWebUi<App>(ChatConsole.Name, path);
    }
}
