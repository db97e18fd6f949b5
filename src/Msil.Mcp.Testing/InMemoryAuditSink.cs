using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Testing;

/// <summary>An audit sink that keeps every record in memory, in the order written; safe for concurrent writers.</summary>
public sealed class InMemoryAuditSink : IAuditSink
{
    private readonly List<AuditRecord> _records = [];
    private readonly Lock _gate = new();
    private TaskCompletionSource _written = NewSignal();

    /// <summary>Gets a snapshot of the records written so far.</summary>
    public IReadOnlyList<AuditRecord> Records
    {
        get
        {
            lock (_gate)
            {
                return [.. _records];
            }
        }
    }

    /// <summary>Returns the records of one action (for example <see cref="AuditActions.ToolCall"/>).</summary>
    /// <param name="action">The action.</param>
    /// <returns>The records, in the order written.</returns>
    public IReadOnlyList<AuditRecord> WithAction(string action) => [.. Records.Where(r => string.Equals(r.Action, action, StringComparison.Ordinal))];

    /// <summary>Returns the records with one outcome (for example <see cref="AuditOutcomes.Denied"/>).</summary>
    /// <param name="outcome">The outcome.</param>
    /// <returns>The records, in the order written.</returns>
    public IReadOnlyList<AuditRecord> WithOutcome(string outcome) => [.. Records.Where(r => string.Equals(r.Outcome, outcome, StringComparison.Ordinal))];

    /// <summary>
    /// Waits until a record that matches <paramref name="match"/> has been written (records are written after the answer
    /// of a call, so a test that has its answer may not have the record yet).
    /// </summary>
    /// <param name="match">The condition.</param>
    /// <param name="timeout">How long to wait at most.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The first matching record.</returns>
    /// <exception cref="TimeoutException">No matching record was written within <paramref name="timeout"/>.</exception>
    public async Task<AuditRecord> WaitForAsync(Func<AuditRecord, bool> match, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(match);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            Task written;
            lock (_gate)
            {
                if (_records.FirstOrDefault(match) is { } found)
                {
                    return found;
                }

                written = _written.Task;
            }

            try
            {
                await written.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"No matching audit record was written within {timeout.TotalSeconds:0.#} s; {Records.Count} record(s) were written.");
            }
        }
    }

    /// <summary>Removes every record.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _records.Clear();
        }
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        TaskCompletionSource signal;
        lock (_gate)
        {
            _records.Add(record);
            signal = _written;
            _written = NewSignal();
        }

        signal.TrySetResult();
        return ValueTask.CompletedTask;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
