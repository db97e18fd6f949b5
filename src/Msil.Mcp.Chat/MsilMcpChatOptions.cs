using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Chat;

/// <summary>Settings of the chat host (configuration section <c>Msil:Mcp:Chat</c>).</summary>
public sealed class MsilMcpChatOptions
{
    /// <summary>The configuration section the host-builder overload binds.</summary>
    public const string SectionName = "Msil:Mcp:Chat";

    /// <summary>Gets or sets the base address of the governed MCP server.</summary>
    /// <value><see langword="null"/> by default: the host the chat is served from (the chat mounted in the MCP server's own host).</value>
    public Uri? ServerUrl { get; set; }

    /// <summary>Gets or sets the path of the MCP endpoint on <see cref="ServerUrl"/>.</summary>
    /// <value><c>/mcp</c> by default.</value>
    public string McpPath { get; set; } = "/mcp";

    /// <summary>Gets the language models users may pick from; with none the chat runs in manual mode only.</summary>
    /// <value>Empty by default.</value>
    public IList<ChatModelOptions> Models { get; } = [];

    /// <summary>Gets or sets the system prompt sent before every conversation.</summary>
    /// <value>A short instruction to use the tools and report what they answered, by default.</value>
    public string SystemPrompt { get; set; } =
        "You are an assistant for the signed-in user. Use the tools you are given when they help; report what a tool answered, including refusals, without inventing results.";

    /// <summary>Gets or sets the most tool calls the model may make in one turn before the host stops it.</summary>
    /// <value>8 by default.</value>
    [KeyedRange(1, 100, ErrorMessage = "Msil:Mcp:Chat:MaxToolCallsPerTurn must be between 1 and 100 (default 8): set it within that range or remove it.")]
    public int MaxToolCallsPerTurn { get; set; } = 8;

    /// <summary>
    /// Gets or sets the link to a call's audit record, with <c>{0}</c> standing for the call's correlation id (escaped);
    /// relative links resolve against the chat's host.
    /// </summary>
    /// <value><c>/admin/audit?correlation_id={0}</c> (the admin console's audit page) by default.</value>
    public string AuditLinkTemplate { get; set; } = "/admin/audit?correlation_id={0}";

    /// <summary>Gets or sets the Redis connection string conversations are kept in, overriding the shared <c>Msil:Mcp:Redis</c> connection of a host that runs the server too; neither set keeps them in memory (lost on restart, one replica).</summary>
    /// <value><see langword="null"/> by default.</value>
    public string? RedisConnectionString { get; set; }

    /// <summary>Gets or sets how long a conversation is kept after its last message.</summary>
    /// <value>24 hours by default.</value>
    public TimeSpan ConversationLifetime { get; set; } = TimeSpan.FromHours(24);
}

/// <summary>
/// One language model behind an OpenAI-compatible chat-completions API (OpenAI, Azure OpenAI's <c>/openai/v1/</c>
/// endpoint, Ollama, vLLM); an item of <c>Msil:Mcp:Chat:Models</c>.
/// </summary>
public sealed class ChatModelOptions
{
    /// <summary>Gets or sets the name users pick the model by; unique among the models.</summary>
    /// <value>Required.</value>
    public string Name { get; set; } = string.Empty;

    /// <summary>Gets or sets the API's base address, for example <c>https://api.openai.com/v1/</c> or <c>http://127.0.0.1:11434/v1/</c>.</summary>
    /// <value>Required.</value>
    public Uri? Endpoint { get; set; }

    /// <summary>Gets or sets the model (or Azure OpenAI deployment) name sent in each request.</summary>
    /// <value>Required.</value>
    public string Model { get; set; } = string.Empty;

    /// <summary>Gets or sets the API key; prefer <see cref="ApiKeyFile"/> outside development. Not both.</summary>
    /// <value><see langword="null"/> by default (endpoints such as Ollama need none).</value>
    public string? ApiKey { get; set; }

    /// <summary>Gets or sets a file holding the API key (a mounted secret), read at start. Not both with <see cref="ApiKey"/>.</summary>
    /// <value><see langword="null"/> by default.</value>
    public string? ApiKeyFile { get; set; }
}
