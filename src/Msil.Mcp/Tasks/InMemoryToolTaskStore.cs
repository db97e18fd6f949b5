namespace Msil.Mcp.Tasks;

/// <summary>
/// The embedded task store: one process, records in memory, expired ones dropped as the store is used (a task still
/// running or waiting for input when it expires is signalled to cancel).
/// </summary>
internal sealed class InMemoryToolTaskStore(TimeProvider time) : IToolTaskStore
{
    private readonly Dictionary<string, ToolTaskRecord> _tasks = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private Action<string, ToolTaskSignal>? _handlers;

    public ValueTask<bool> TryCreateAsync(ToolTaskRecord record, int maxActivePerOwner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        List<string>? expired;
        bool created;
        lock (_gate)
        {
            expired = Sweep();
            created = CountActive(record.OwnerKey) < maxActivePerOwner && _tasks.TryAdd(record.TaskId, record);
        }

        Expire(expired);
        return ValueTask.FromResult(created);
    }

    public ValueTask<int> CountActiveAsync(string ownerKey, CancellationToken cancellationToken)
    {
        List<string>? expired;
        int count;
        lock (_gate)
        {
            expired = Sweep();
            count = CountActive(ownerKey);
        }

        Expire(expired);
        return ValueTask.FromResult(count);
    }

    public ValueTask<ToolTaskRecord?> GetAsync(string taskId, CancellationToken cancellationToken)
    {
        List<string>? expired;
        ToolTaskRecord? record;
        lock (_gate)
        {
            expired = Sweep();
            record = _tasks.GetValueOrDefault(taskId);
        }

        Expire(expired);
        return ValueTask.FromResult(record);
    }

    public ValueTask<ToolTaskRecord?> UpdateAsync(string taskId, Func<ToolTaskRecord, ToolTaskRecord?> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        List<string>? expired;
        ToolTaskRecord? record;
        lock (_gate)
        {
            expired = Sweep();
            if (_tasks.TryGetValue(taskId, out record) && change(record) is { } changed)
            {
                _tasks[taskId] = changed;
                record = changed;
            }
        }

        Expire(expired);
        return ValueTask.FromResult(record);
    }

    public ValueTask SignalAsync(string taskId, ToolTaskSignal signal, CancellationToken cancellationToken)
    {
        Volatile.Read(ref _handlers)?.Invoke(taskId, signal);
        return ValueTask.CompletedTask;
    }

    public IDisposable Subscribe(Action<string, ToolTaskSignal> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            _handlers += handler;
        }

        return new Subscription(this, handler);
    }

    private int CountActive(string owner)
    {
        var count = 0;
        foreach (var task in _tasks.Values)
        {
            if (!task.IsTerminal && string.Equals(task.OwnerKey, owner, StringComparison.Ordinal))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Drops expired tasks; returns those that had not ended, to be cancelled outside the lock.</summary>
    private List<string>? Sweep()
    {
        var now = time.GetUtcNow();
        List<string>? expired = null;
        List<string>? running = null;
        foreach (var (id, task) in _tasks)
        {
            if (task.ExpiresAt <= now)
            {
                (expired ??= []).Add(id);
                if (!task.IsTerminal)
                {
                    (running ??= []).Add(id);
                }
            }
        }

        if (expired is not null)
        {
            foreach (var id in expired)
            {
                _tasks.Remove(id);
            }
        }

        return running;
    }

    private void Expire(List<string>? running)
    {
        if (running is null)
        {
            return;
        }

        var handlers = Volatile.Read(ref _handlers);
        foreach (var id in running)
        {
            handlers?.Invoke(id, ToolTaskSignal.Expired);
        }
    }

    private sealed class Subscription(InMemoryToolTaskStore store, Action<string, ToolTaskSignal> handler) : IDisposable
    {
        public void Dispose()
        {
            lock (store._gate)
            {
                store._handlers -= handler;
            }
        }
    }
}
