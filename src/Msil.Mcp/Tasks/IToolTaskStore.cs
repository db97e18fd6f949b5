namespace Msil.Mcp.Tasks;

/// <summary>
/// Where tasks are kept. Designed for more than one replica: <c>tasks/get</c>, <c>tasks/update</c> and
/// <c>tasks/cancel</c> may land on another replica than the one running the executor, so every change is an atomic
/// update of the record, and cancellation and answered input reach the owner as signals (<see cref="SignalAsync"/>,
/// <see cref="Subscribe"/>). The embedded store keeps tasks in memory (<see cref="InMemoryToolTaskStore"/>).
/// </summary>
internal interface IToolTaskStore
{
    /// <summary>Adds a task unless its owner already has <paramref name="maxActivePerOwner"/> tasks that have not ended.</summary>
    /// <returns><see langword="false"/> when the owner is at the limit (nothing was added).</returns>
    ValueTask<bool> TryCreateAsync(ToolTaskRecord record, int maxActivePerOwner, CancellationToken cancellationToken);

    /// <summary>Counts the owner's tasks that have not ended.</summary>
    ValueTask<int> CountActiveAsync(string ownerKey, CancellationToken cancellationToken);

    /// <summary>Gets a task, or <see langword="null"/> when it is unknown or expired.</summary>
    ValueTask<ToolTaskRecord?> GetAsync(string taskId, CancellationToken cancellationToken);

    /// <summary>
    /// Changes a task atomically: <paramref name="change"/> gets the current record and returns the new one, or
    /// <see langword="null"/> to leave it (it may run more than once under contention).
    /// </summary>
    /// <returns>The record after the change, or <see langword="null"/> when the task is unknown or expired.</returns>
    ValueTask<ToolTaskRecord?> UpdateAsync(string taskId, Func<ToolTaskRecord, ToolTaskRecord?> change, CancellationToken cancellationToken);

    /// <summary>Tells the task's owner, wherever it runs.</summary>
    ValueTask SignalAsync(string taskId, ToolTaskSignal signal, CancellationToken cancellationToken);

    /// <summary>Receives every signal (the owner acts on the tasks it runs and ignores the others).</summary>
    IDisposable Subscribe(Action<string, ToolTaskSignal> handler);
}
