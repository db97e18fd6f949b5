using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Pipeline;

namespace Msil.Mcp.Tasks;

/// <summary>
/// One task-supporting call on the replica that runs it: the executor's cancellation (owned here, not the request's),
/// the escalation handshake with <see cref="IToolCallContext.RunAsTaskAsync"/>, and, once it is a task, its id.
/// </summary>
internal sealed class ToolTaskRun : IAsyncDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly TaskCompletionSource _escalationRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _escalated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private AsyncServiceScope? _scope;
    private volatile string? _taskId;
    private int _disposed;
    private int _parked;

    public ToolTaskRun(CallState state, IToolExecutor executor, ClientCapabilities? capabilities, AsyncServiceScope? scope)
    {
        State = state;
        Executor = executor;
        ClientCapabilities = capabilities;
        _scope = scope;
    }

    /// <summary>The call's state, a copy detached from the request once the call is a task.</summary>
    public CallState State { get; set; }

    public IToolExecutor Executor { get; }

    /// <summary>The client's capabilities when the call was made, for the input requests of the task.</summary>
    public ClientCapabilities? ClientCapabilities { get; }

    /// <summary>The executor's services: a scope of its own, since the request's ends when the call becomes a task.</summary>
    public IServiceProvider? Services => _scope?.ServiceProvider;

    /// <summary>Where progress goes once the call is a task (the task's status message).</summary>
    public Func<string, ValueTask>? OnProgress { get; set; }

    public CancellationToken Token => _cancellation.Token;

    public string? TaskId => _taskId;

    /// <summary>Why the executor was cancelled, once it was.</summary>
    public ToolTaskEnd? CancelReason { get; private set; }

    /// <summary>Marks the executor as between rounds, waiting for the client's input (nothing to cancel but the task).</summary>
    public void Park() => Volatile.Write(ref _parked, 1);

    /// <summary>Takes the run out of its wait; only one caller (resume, cancel, shutdown) wins.</summary>
    public bool TryUnpark() => Interlocked.Exchange(ref _parked, 0) == 1;

    public Task EscalationRequested => _escalationRequested.Task;

    public void RequestEscalation() => _escalationRequested.TrySetResult();

    public Task WaitEscalatedAsync(CancellationToken cancellationToken) => _escalated.Task.WaitAsync(cancellationToken);

    public void MarkEscalated(string taskId)
    {
        _taskId = taskId;
        _escalated.TrySetResult();
    }

    /// <summary>Escalation did not happen (the call ended inline): release a waiting <see cref="IToolCallContext.RunAsTaskAsync"/>.</summary>
    public void ReleaseWaiters() => _escalated.TrySetResult();

    public void Cancel(ToolTaskEnd reason)
    {
        CancelReason ??= reason;
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // already over
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _escalated.TrySetResult();
        if (_scope is { } scope)
        {
            _scope = null;
            await scope.DisposeAsync().ConfigureAwait(false);
        }

        _cancellation.Dispose();
    }
}

/// <summary>Why a task's executor was cancelled.</summary>
internal enum ToolTaskEnd
{
    /// <summary>The request was cancelled while the call still ran inline.</summary>
    Request,

    /// <summary><c>tasks/cancel</c>.</summary>
    Client,

    /// <summary>The task expired.</summary>
    Expired,

    /// <summary>The host is shutting down.</summary>
    Shutdown,
}
