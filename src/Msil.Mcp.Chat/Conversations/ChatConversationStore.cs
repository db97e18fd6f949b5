using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Msil.Mcp.Connections;
using StackExchange.Redis;

namespace Msil.Mcp.Chat.Conversations;

/// <summary>Keeps each user's current conversation, keyed by the user's principal key (issuer and subject).</summary>
internal interface IChatConversationStore
{
    ValueTask<ChatConversation?> GetAsync(string userKey, CancellationToken cancellationToken);

    ValueTask SaveAsync(string userKey, ChatConversation conversation, CancellationToken cancellationToken);

    ValueTask DeleteAsync(string userKey, CancellationToken cancellationToken);
}

/// <summary>Conversation JSON: the M.E.AI types (messages and their contents) with their own serializer settings.</summary>
internal static class ConversationJson
{
    public static readonly JsonSerializerOptions Options = new(AIJsonUtilities.DefaultOptions);

    public static string Serialize(ChatConversation conversation) => JsonSerializer.Serialize(conversation, Options);

    public static ChatConversation? Deserialize(string json) => JsonSerializer.Deserialize<ChatConversation>(json, Options);
}

/// <summary>The default store: in this process's memory, a copy per save, dropped after the configured lifetime.</summary>
internal sealed class InMemoryChatConversationStore(IOptions<MsilMcpChatOptions> options, TimeProvider time) : IChatConversationStore
{
    private readonly ConcurrentDictionary<string, (string Json, DateTimeOffset Expires)> _items = new(StringComparer.Ordinal);

    public ValueTask<ChatConversation?> GetAsync(string userKey, CancellationToken cancellationToken)
    {
        if (_items.TryGetValue(userKey, out var item) && item.Expires > time.GetUtcNow())
        {
            return ValueTask.FromResult(ConversationJson.Deserialize(item.Json));
        }

        return ValueTask.FromResult<ChatConversation?>(null);
    }

    public ValueTask SaveAsync(string userKey, ChatConversation conversation, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        _items[userKey] = (ConversationJson.Serialize(conversation), now + options.Value.ConversationLifetime);
        foreach (var expired in _items.Where(i => i.Value.Expires <= now).Select(i => i.Key).ToList())
        {
            _items.TryRemove(expired, out _);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DeleteAsync(string userKey, CancellationToken cancellationToken)
    {
        _items.TryRemove(userKey, out _);
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Conversations in Redis, so any replica serves a user's page; keys expire with the lifetime. The connection is
/// <c>Msil:Mcp:Chat:RedisConnectionString</c>'s keyed one when set, else the shared <c>Msil:Mcp:Redis</c> one of a host
/// that also runs the server (<see cref="MsilRedisConnections"/>); the container owns it. Each conversation is one key,
/// so a Redis Cluster spreads them over its shards.
/// </summary>
internal sealed class RedisChatConversationStore(IOptions<MsilMcpChatOptions> options, IServiceProvider services) : IChatConversationStore, IAsyncDisposable
{
    /// <summary>The service key of the connection made from <c>Msil:Mcp:Chat:RedisConnectionString</c>.</summary>
    public const string ServiceKey = "msil-mcp-chat";

    private readonly MsilRedisConnection _connection = MsilRedisConnections.Holder(
        services,
        () => options.Value.RedisConnectionString,
        ServiceKey,
        "The chat's Redis connection is not configured: set Msil:Mcp:Chat:RedisConnectionString or Msil:Mcp:Redis:ConnectionString.",
        hostFallback: false);

    public async ValueTask<ChatConversation?> GetAsync(string userKey, CancellationToken cancellationToken)
    {
        var db = await _connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var value = await db.StringGetAsync(Key(userKey)).ConfigureAwait(false);
        return value.IsNullOrEmpty ? null : ConversationJson.Deserialize(value.ToString());
    }

    public async ValueTask SaveAsync(string userKey, ChatConversation conversation, CancellationToken cancellationToken)
    {
        var db = await _connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        await db.StringSetAsync(Key(userKey), ConversationJson.Serialize(conversation), options.Value.ConversationLifetime).ConfigureAwait(false);
    }

    public async ValueTask DeleteAsync(string userKey, CancellationToken cancellationToken)
    {
        var db = await _connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        await db.KeyDeleteAsync(Key(userKey)).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    /// <summary>Registers the keyed connection of <c>Msil:Mcp:Chat:RedisConnectionString</c>.</summary>
    public static void AddOverride(IServiceCollection services)
        => MsilRedisConnections.AddOverride(services, ServiceKey, static sp =>
        {
            var text = sp.GetRequiredService<IOptions<MsilMcpChatOptions>>().Value.RedisConnectionString;
            return string.IsNullOrWhiteSpace(text) ? null : MsilRedisConfiguration.Create(text, TimeSpan.FromSeconds(5), "msil-mcp-chat");
        });

    // The principal key is hashed: a key name is visible to anyone who can list the database's keys.
    private static RedisKey Key(string userKey) =>
        "msil:mcp:chat:conversation:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(userKey)));
}
