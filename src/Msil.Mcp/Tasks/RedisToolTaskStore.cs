using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Msil.Mcp.Connections;
using StackExchange.Redis;

namespace Msil.Mcp.Tasks;

/// <summary>
/// A task store shared by every replica (the shared <c>Msil:Mcp:Redis</c> connection, or <see cref="ToolTaskOptions.RedisConnectionString"/>). Each task is one string
/// key <c>{prefix}{taskId}</c> holding the record protected with ASP.NET Core Data Protection (results may hold business
/// data), expiring with the task; <c>{prefix}owner:{userId}</c> is the set of an owner's task ids, for the per-caller
/// bound; updates are optimistic transactions on the record's previous value (one key, so one cluster slot); signals travel on the channel
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

    /// <summary>The service key of the connection made from <see cref="ToolTaskOptions.RedisConnectionString"/>.</summary>
    public const string ServiceKey = "msil-mcp-tasks";

    private readonly Action<RedisChannel, RedisValue> _deliver;
    private IConnectionMultiplexer? _subscribed;

    public RedisToolTaskStore(IOptions<ToolTaskOptions> options, IDataProtectionProvider dataProtection, TimeProvider time, IServiceProvider services)
    {
        _options = options;
        _protector = dataProtection.CreateProtector(Purpose);
        _time = time;
        _deliver = (_, message) => Deliver(message);

        // Resolves the connection on first use (the package's own key, else the shared one) and subscribes to the
        // signal channel, so this replica hears about the tasks it runs. The container owns the connection.
        _connection = new MsilRedisConnection(async cancellationToken =>
        {
            var connected = await Task.Run(() => MsilRedisConnections.Resolve(services, _options.Value.RedisConnectionString, ServiceKey, hostFallback: false), cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException("The Redis task store has no connection: set Msil:Mcp:Redis:ConnectionString (or Msil:Mcp:Tasks:RedisConnectionString).");
            await SubscribeAsync(connected, cancellationToken).ConfigureAwait(false);
            _subscribed = connected;
            return connected;
        }, ownsConnection: false);
    }

    /// <summary>Registers the keyed connection of <see cref="ToolTaskOptions.RedisConnectionString"/>.</summary>
    public static void AddOverride(Microsoft.Extensions.DependencyInjection.IServiceCollection services)
        => MsilRedisConnections.AddOverride(services, ServiceKey, static sp =>
        {
            var o = ((IOptions<ToolTaskOptions>)sp.GetService(typeof(IOptions<ToolTaskOptions>))!).Value;
            return string.IsNullOrWhiteSpace(o.RedisConnectionString) ? null : MsilRedisConfiguration.Create(o.RedisConnectionString, TimeSpan.FromSeconds(5), "msil-mcp-tasks");
        });

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

        // The record and its owner's set live in different hash slots of a cluster, so they are written one after the
        // other rather than in one transaction: the record is created only if absent, then listed under its owner. An
        // id left in the set without its record (a crash in between, an expiry) is pruned when the owner's tasks are counted.
        if (!await db.StringSetAsync(Key(record.TaskId), Write(record), ttl, When.NotExists).ConfigureAwait(false))
        {
            return false;
        }

        await db.SetAddAsync(OwnerKey(record.OwnerKey), record.TaskId).ConfigureAwait(false);
        await db.KeyExpireAsync(OwnerKey(record.OwnerKey), ttl).ConfigureAwait(false);
        return true;
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

    public async ValueTask DisposeAsync()
    {
        if (_subscribed is { } connection)
        {
            try
            {
                await connection.GetSubscriber().UnsubscribeAsync(Channel, _deliver).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
            {
                // The shared connection is going away with the host too (the container may have disposed it first):
                // nothing is left to receive.
            }
        }

        await _connection.DisposeAsync().ConfigureAwait(false);
    }

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
    private async Task SubscribeAsync(IConnectionMultiplexer connection, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await connection.GetSubscriber().SubscribeAsync(Channel, _deliver).ConfigureAwait(false);
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
