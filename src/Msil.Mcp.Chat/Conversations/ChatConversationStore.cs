using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
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

/// <summary>Conversations in Redis (<c>Msil:Mcp:Chat:RedisConnectionString</c>), so any replica serves a user's page; keys expire with the lifetime.</summary>
internal sealed class RedisChatConversationStore(IOptions<MsilMcpChatOptions> options) : IChatConversationStore, IAsyncDisposable
{
    private readonly SemaphoreSlim _connect = new(1, 1);
    private ConnectionMultiplexer? _redis;

    public async ValueTask<ChatConversation?> GetAsync(string userKey, CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var value = await db.StringGetAsync(Key(userKey)).ConfigureAwait(false);
        return value.IsNullOrEmpty ? null : ConversationJson.Deserialize(value.ToString());
    }

    public async ValueTask SaveAsync(string userKey, ChatConversation conversation, CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        await db.StringSetAsync(Key(userKey), ConversationJson.Serialize(conversation), options.Value.ConversationLifetime).ConfigureAwait(false);
    }

    public async ValueTask DeleteAsync(string userKey, CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        await db.KeyDeleteAsync(Key(userKey)).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync().ConfigureAwait(false);
        }

        _connect.Dispose();
    }

    // The principal key is hashed: a key name is visible to anyone who can list the database's keys.
    private static RedisKey Key(string userKey) =>
        "msil:mcp:chat:conversation:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(userKey)));

    private async ValueTask<IDatabase> DatabaseAsync(CancellationToken cancellationToken)
    {
        if (_redis is null)
        {
            await _connect.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                _redis ??= await ConnectionMultiplexer.ConnectAsync(options.Value.RedisConnectionString!).ConfigureAwait(false);
            }
            finally
            {
                _connect.Release();
            }
        }

        return _redis.GetDatabase();
    }
}
