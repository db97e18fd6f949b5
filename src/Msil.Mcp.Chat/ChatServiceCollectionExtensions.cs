using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Msil.Mcp.Chat;
using Msil.Mcp.Chat.Conversations;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Msil.Mcp chat host.</summary>
public static class ChatServiceCollectionExtensions
{
    /// <summary>Adds the chat host with its defaults (manual mode only until models are configured).</summary>
    /// <param name="services">The services.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddMsilMcpChat(this IServiceCollection services) => services.AddMsilMcpChat(static _ => { });

    /// <summary>Adds the chat host, configured by <paramref name="section"/> (usually <c>Msil:Mcp:Chat</c>).</summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The configuration section.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="section"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddMsilMcpChat(this IServiceCollection services, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        services.AddMsilMcpChat(static _ => { });
        services.AddOptions<MsilMcpChatOptions>().Bind(section);
        return services;
    }

    /// <summary>Adds the chat host, configured in code.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddMsilMcpChat(this IServiceCollection services, Action<MsilMcpChatOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<MsilMcpChatOptions>().Configure(configure);
        if (services.Any(d => d.ServiceType == typeof(ChatMarker)))
        {
            return services;
        }

        services.AddSingleton<ChatMarker>();
        services.AddOptionsWithValidateOnStart<MsilMcpChatOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MsilMcpChatOptions>, MsilMcpChatOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ChatModelCatalog>();
        services.TryAddSingleton<ChatAgent>();
        services.TryAddSingleton<IChatConversationStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<MsilMcpChatOptions>>();
            return string.IsNullOrWhiteSpace(options.Value.RedisConnectionString)
                ? ActivatorUtilities.CreateInstance<InMemoryChatConversationStore>(sp)
                : ActivatorUtilities.CreateInstance<RedisChatConversationStore>(sp);
        });
        return services;
    }

    private sealed class ChatMarker;
}
