using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Msil.Mcp.Tasks;

/// <summary>
/// A task store shared by every replica (<see cref="ToolTaskOptions.RedisConnectionString"/>). Each task is one string
/// key <c>{prefix}{taskId}</c> holding the record protected with ASP.NET Core Data Protection (results may hold business
/// data), expiring with the task; <c>{prefix}owner:{userId}</c> is the set of an owner's task ids, for the per-caller
/// bound; updates are optimistic transactions on the record's previous value; signals travel on the channel
/// <c>{prefix}signals</c>. An unfinished task whose key expires is not signalled: its owner ends it when the executor
/// ends (the end is audited, the update finds no record).
/// </summary>
internal sealed class RedisToolTaskStore : IToolTaskStore, IAsyncDisposable
{
    private const string Purpose = "Msil.Mcp.Tasks.v1";
    private readonly IOptions<ToolTaskOptions> _options;
    private readonly IDataProtector _protector;
    private readonly TimeProvider _time;
    private readonly Lock _handlersGate = new();
    private readonly MsilRedisConnection _connection;
    private Action<string, ToolTaskSignal>? _handlers;

    public RedisToolTaskStore(IOptions<ToolTaskOptions> options, IDataProtectionProvider dataProtection, TimeProvider time)
    {
        _options = options;
        _protector = dataProtection.CreateProtector(Purpose);
        _time = time;

        // Connects on first use and subscribes to the signal channel, so this replica hears about the tasks it runs.
        _connection = new MsilRedisConnection(async cancellationToken =>
        {
            var configuration = MsilRedisConfiguration.Create(_options.Value.RedisConnectionString!, TimeSpan.FromSeconds(5), "msil-mcp-tasks");
            var connected = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
            try
            {
                await SubscribeAsync(connected, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await connected.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            return connected;
        });
    }

    private string Prefix => _options.Value.RedisKeyPrefix;

    private RedisChannel Channel => RedisChannel.Literal(Prefix + "signals");

    public async ValueTask<bool> TryCreateAsync(ToolTaskRecord record, int maxActivePerOwner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (await CountActiveAsync(record.OwnerKey, cancellationToken).ConfigureAwait(false) >= maxActivePerOwner)
        {
            return false;
        }

        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var ttl = Ttl(record);
        var transaction = db.CreateTransaction();
        transaction.AddCondition(Condition.KeyNotExists(Key(record.TaskId)));
        _ = transaction.StringSetAsync(Key(record.TaskId), Write(record), ttl);
        _ = transaction.SetAddAsync(OwnerKey(record.OwnerKey), record.TaskId);
        _ = transaction.KeyExpireAsync(OwnerKey(record.OwnerKey), ttl);
        return await transaction.ExecuteAsync().ConfigureAwait(false);
    }

    public async ValueTask<int> CountActiveAsync(string ownerKey, CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var count = 0;
        foreach (var id in await db.SetMembersAsync(OwnerKey(ownerKey)).ConfigureAwait(false))
        {
            var record = Read(await db.StringGetAsync(Key(id.ToString())).ConfigureAwait(false));
            if (record is null)
            {
                await db.SetRemoveAsync(OwnerKey(ownerKey), id).ConfigureAwait(false);
            }
            else if (!record.IsTerminal)
            {
                count++;
            }
        }

        return count;
    }

    public async ValueTask<ToolTaskRecord?> GetAsync(string taskId, CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var record = Read(await db.StringGetAsync(Key(taskId)).ConfigureAwait(false));
        return record is null || record.ExpiresAt <= _time.GetUtcNow() ? null : record;
    }

    public async ValueTask<ToolTaskRecord?> UpdateAsync(string taskId, Func<ToolTaskRecord, ToolTaskRecord?> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; attempt < 16; attempt++)
        {
            var raw = await db.StringGetAsync(Key(taskId)).ConfigureAwait(false);
            if (Read(raw) is not { } current)
            {
                return null;
            }

            if (change(current) is not { } changed)
            {
                return current;
            }

            var transaction = db.CreateTransaction();
            transaction.AddCondition(Condition.StringEqual(Key(taskId), raw));
            _ = transaction.StringSetAsync(Key(taskId), Write(changed), Ttl(changed));
            if (await transaction.ExecuteAsync().ConfigureAwait(false))
            {
                return changed;
            }
        }

        throw new InvalidOperationException($"Task {taskId} changed too often to be updated; try again.");
    }

    public async ValueTask SignalAsync(string taskId, ToolTaskSignal signal, CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await connection.GetSubscriber().PublishAsync(Channel, (int)signal + "|" + taskId).ConfigureAwait(false);
    }

    public IDisposable Subscribe(Action<string, ToolTaskSignal> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_handlersGate)
        {
            _handlers += handler;
        }

        return new Subscription(this, handler);
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private RedisKey Key(string taskId) => Prefix + taskId;

    private RedisKey OwnerKey(string ownerKey) => Prefix + "owner:" + ownerKey;

    private TimeSpan Ttl(ToolTaskRecord record)
    {
        var ttl = record.ExpiresAt - _time.GetUtcNow();
        return ttl > TimeSpan.FromMilliseconds(1) ? ttl : TimeSpan.FromMilliseconds(1);
    }

    private byte[] Write(ToolTaskRecord record)
        => _protector.Protect(JsonSerializer.SerializeToUtf8Bytes(record, ToolTaskStoreJsonContext.Default.ToolTaskRecord));

    private ToolTaskRecord? Read(RedisValue value)
    {
        if (value.IsNullOrEmpty)
        {
            return null;
        }

        return JsonSerializer.Deserialize(_protector.Unprotect((byte[])value!), ToolTaskStoreJsonContext.Default.ToolTaskRecord);
    }

    private ValueTask<IDatabase> DatabaseAsync(CancellationToken cancellationToken) => _connection.GetDatabaseAsync(cancellationToken);

    private ValueTask<IConnectionMultiplexer> ConnectAsync(CancellationToken cancellationToken) => _connection.GetConnectionAsync(cancellationToken);

    /// <summary>
    /// Subscribes to the signal channel. The first connect returns before the subscription link is up when Redis is
    /// slow to answer (no abort on a failed first connect), so a refused subscribe is retried for a few seconds.
    /// </summary>
    private async Task SubscribeAsync(ConnectionMultiplexer connection, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await connection.GetSubscriber().SubscribeAsync(Channel, (_, message) => Deliver(message)).ConfigureAwait(false);
                return;
            }
            catch (RedisConnectionException) when (attempt < 50)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private void Deliver(RedisValue message)
    {
        var text = message.ToString();
        var bar = text.IndexOf('|', StringComparison.Ordinal);
        if (bar > 0 && int.TryParse(text.AsSpan(0, bar), out var signal) && Enum.IsDefined((ToolTaskSignal)signal))
        {
            Volatile.Read(ref _handlers)?.Invoke(text[(bar + 1)..], (ToolTaskSignal)signal);
        }
    }

    private sealed class Subscription(RedisToolTaskStore store, Action<string, ToolTaskSignal> handler) : IDisposable
    {
        public void Dispose()
        {
            lock (store._handlersGate)
            {
                store._handlers -= handler;
            }
        }
    }
}

[JsonSerializable(typeof(ToolTaskRecord))]
internal sealed partial class ToolTaskStoreJsonContext : JsonSerializerContext;
