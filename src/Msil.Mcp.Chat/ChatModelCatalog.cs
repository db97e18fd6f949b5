using System.ClientModel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenAI;

namespace Msil.Mcp.Chat;

/// <summary>The configured language models, each an <see cref="IChatClient"/> over its OpenAI-compatible endpoint.</summary>
internal sealed class ChatModelCatalog : IDisposable
{
    private readonly Dictionary<string, IChatClient> _clients = new(StringComparer.OrdinalIgnoreCase);

    public ChatModelCatalog(IOptions<MsilMcpChatOptions> options, ILoggerFactory loggerFactory)
    {
        foreach (var model in options.Value.Models)
        {
            var key = !string.IsNullOrEmpty(model.ApiKeyFile) ? File.ReadAllText(model.ApiKeyFile).Trim() : model.ApiKey;

            // The OpenAI client needs a credential; endpoints without keys (Ollama, vLLM) ignore the placeholder.
            var client = new OpenAIClient(new ApiKeyCredential(string.IsNullOrEmpty(key) ? "no-key" : key), new OpenAIClientOptions { Endpoint = model.Endpoint })
                .GetChatClient(model.Model)
                .AsIChatClient();
            _clients[model.Name] = new ChatClientBuilder(client).UseLogging(loggerFactory).Build();
        }

        Names = [.. options.Value.Models.Select(m => m.Name)];
        var logger = loggerFactory.CreateLogger<ChatModelCatalog>();
        if (Names.Count == 0)
        {
            Log.NoModels(logger);
        }
        else
        {
            Log.ModelsConfigured(logger, Names.Count);
        }
    }

    /// <summary>Gets the model names, in configuration order.</summary>
    public IReadOnlyList<string> Names { get; }

    public IChatClient? Get(string? name) => name is not null && _clients.TryGetValue(name, out var client) ? client : null;

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }
}
