using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Msil.Mcp.Chat;
using Msil.Mcp.Chat.Conversations;
using Msil.Mcp.WebUi;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Msil.Mcp chat host.</summary>
public static class ChatServiceCollectionExtensions
{
    /// <summary>Adds the chat host with its defaults (manual mode only until models are configured).</summary>
    /// <param name="services">The services.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddMsilMcpChat(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        AddChatCore(services);
        return services;
    }

    /// <summary>Adds the chat host, configured by <paramref name="section"/> (usually <c>Msil:Mcp:Chat</c>).</summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The configuration section.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="section"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddMsilMcpChat(this IServiceCollection services, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        AddChatCore(services);
        services.AddOptions<MsilMcpChatOptions>().Bind(section);
        return services;
    }

    /// <summary>
    /// Adds the chat host, configured in code, with the sign-in settings of the shared web shell (Authority, ClientId,
    /// Scopes, ServerUrl; section <c>Msil:Mcp:Chat</c> like the chat's own settings).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the chat options.</param>
    /// <param name="configureWebUi">Configures the sign-in and shell options.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/>, <paramref name="configure"/> or <paramref name="configureWebUi"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddMsilMcpChat(this IServiceCollection services, Action<MsilMcpChatOptions> configure, Action<MsilWebUiOptions> configureWebUi)
    {
        ArgumentNullException.ThrowIfNull(configureWebUi);
        services.AddMsilMcpChat(configure);
        return services.AddMsilWebUi(ChatConsole.Name, MsilMcpChatOptions.SectionName, configureWebUi);
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
        AddChatCore(services);
        services.AddOptions<MsilMcpChatOptions>().Configure(configure);
        return services;
    }

    // Everything but the caller's settings, once: a second call (any overload) adds only its own configuration.
    private static void AddChatCore(IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(ChatMarker)))
        {
            return;
        }

        services.AddSingleton<ChatMarker>();

        // The shared shell: sign-in (OIDC code + PKCE into a server-side session), layout, the API client with the user's token.
        // Defaults first, so that configuration (Msil:Mcp:Chat) and code win.
        services.Configure<MsilWebUiOptions>(ChatConsole.Name, o =>
        {
            o.Title = "Msil.Mcp chat";
            o.ClientId = "msil-chat";
        });
        services.AddMsilWebUi(ChatConsole.Name, MsilMcpChatOptions.SectionName);
        services.AddOptions<MsilMcpChatOptions>().BindConfiguration(MsilMcpChatOptions.SectionName);
        services.AddOptionsWithValidateOnStart<MsilMcpChatOptions, MsilMcpChatOptionsAnnotationsValidator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MsilMcpChatOptions>, MsilMcpChatOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ChatModelCatalog>();
        services.AddMetrics();
        services.TryAddSingleton<ChatTelemetry>();
        services.TryAddSingleton<ChatAgent>();
        RedisChatConversationStore.AddOverride(services);
        services.TryAddSingleton<IChatConversationStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<MsilMcpChatOptions>>();
            return Msil.Mcp.Connections.MsilRedisConnections.IsAvailable(sp, options.Value.RedisConnectionString, hostFallback: false)
                ? ActivatorUtilities.CreateInstance<RedisChatConversationStore>(sp)
                : ActivatorUtilities.CreateInstance<InMemoryChatConversationStore>(sp);
        });
    }

    private sealed class ChatMarker;
}
