using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Pipeline;
using Msil.Mcp.Pipeline.Stages;

namespace Msil.Mcp.Tasks;

/// <summary>How a task-supporting call started: with its result inline, or as a task.</summary>
internal readonly record struct ToolTaskStart(ToolResult? Result, CreateTaskResult? Created);

/// <summary>
/// Runs task-supporting calls (SEP-2663) for the execute stage, after every governance stage has passed inline: starts the executor on a
/// cancellation it owns, answers inline when the executor finishes within the immediate-result window, otherwise (or
/// when the executor calls <see cref="IToolCallContext.RunAsTaskAsync"/>) writes the task to the store first and lets
/// the executor run on in the background; then records its end, its input rounds, its cancellation. Host shutdown
/// cancels every running task (status <c>failed</c>). Shapes results with the shape stage and records a task's end with
/// the audit stage; it never calls back into the pipeline.
/// </summary>
internal sealed class ToolTaskRunner : IHostedService, IDisposable
{
    internal const int InternalErrorCode = (int)McpErrorCode.InternalError;

    private readonly IToolTaskStore _store;
    private readonly IOptionsMonitor<ToolTaskOptions> _options;
    private readonly TimeProvider _time;
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger<ToolTaskRunner> _logger;
    private readonly ShapeStage _shape;
    private readonly AuditStage _audit;
    private readonly ConcurrentDictionary<string, ToolTaskRun> _runs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _background = new();
    private readonly IDisposable _subscription;

    public ToolTaskRunner(
        IToolTaskStore store,
        IOptionsMonitor<ToolTaskOptions> options,
        TimeProvider time,
        IServiceScopeFactory scopes,
        ShapeStage shape,
        AuditStage audit,
        ILogger<ToolTaskRunner> logger)
    {
        _shape = shape;
        _audit = audit;
        _store = store;
        _options = options;
        _time = time;
        _scopes = scopes;
        _logger = logger;
        _subscription = store.Subscribe(OnSignal);
    }

    public bool Enabled => _options.CurrentValue.Enabled;

    public IToolTaskStore Store => _store;

    /// <summary>Starts the executor of a call that may become a task; see the class summary.</summary>
    public async ValueTask<ToolTaskStart> RunAsync(CallState state, IToolExecutor executor, CancellationToken cancellationToken)
    {
        var options = _options.CurrentValue;
        var active = await _store.CountActiveAsync(state.Caller.PrincipalKey, cancellationToken).ConfigureAwait(false);
        if (active >= options.MaxActivePerCaller)
        {
            throw TooManyTasks(state, options);
        }

        var request = state.Request!;
        var capabilities = request.JsonRpcRequest.Context?.ClientCapabilities ?? request.Server.ClientCapabilities;
        var run = new ToolTaskRun(state, executor, capabilities, _scopes.CreateAsyncScope());
        run.OnProgress = message => SetStatusMessageAsync(run, message);
        var context = new McpToolCallContext(request, state.ToolName, state.RequestState, run);
        var call = state.CreateInvocation(context, run.Services);

        Task<ToolResult> execution;
        var link = cancellationToken.Register(static r => ((ToolTaskRun)r!).Cancel(ToolTaskEnd.Request), run);
        try
        {
            if (options.ImmediateResultWindowMs == 0)
            {
                var created = await EscalateAsync(run, state, options, link, cancellationToken).ConfigureAwait(false);
                Track(Task.Run(() => ExecuteAndFollowAsync(run, call), CancellationToken.None));
                return new ToolTaskStart(null, created);
            }

            execution = Start(executor, call, run.Token);
            using var window = new CancellationTokenSource();
            var elapsed = Task.Delay(TimeSpan.FromMilliseconds(options.ImmediateResultWindowMs), _time, window.Token);
            var first = await Task.WhenAny(execution, run.EscalationRequested, elapsed).ConfigureAwait(false);
            await window.CancelAsync().ConfigureAwait(false);
            if (first == execution || cancellationToken.IsCancellationRequested)
            {
                // The immediate-result shortcut (or the request is gone): the ordinary result, MRTR or error.
                await link.DisposeAsync().ConfigureAwait(false);
                try
                {
                    return new ToolTaskStart(await execution.ConfigureAwait(false), null);
                }
                finally
                {
                    await run.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        catch
        {
            await link.DisposeAsync().ConfigureAwait(false);
            await run.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        CreateTaskResult result;
        try
        {
            result = await EscalateAsync(run, state, options, link, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            run.Cancel(ToolTaskEnd.Request);
            run.ReleaseWaiters();
            await Task.WhenAny(execution).ConfigureAwait(false);
            await run.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        Track(FollowAsync(run, execution));
        return new ToolTaskStart(null, result);
    }

    /// <summary>Writes the task (before the client hears of it, so a <c>tasks/get</c> right after resolves) and detaches the run from the request.</summary>
    private async Task<CreateTaskResult> EscalateAsync(ToolTaskRun run, CallState state, ToolTaskOptions options, CancellationTokenRegistration link, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var record = new ToolTaskRecord
        {
            TaskId = Guid.NewGuid().ToString("N"),
            OwnerKey = state.Caller.PrincipalKey,
            ToolName = state.ToolName,
            CorrelationId = state.CorrelationId,
            CreatedAt = now,
            LastUpdatedAt = now,
            TtlMs = options.TtlSeconds * 1000L,
            PollIntervalMs = options.PollIntervalMs,
        };
        if (!await _store.TryCreateAsync(record, options.MaxActivePerCaller, cancellationToken).ConfigureAwait(false))
        {
            throw TooManyTasks(state, options);
        }

        await link.DisposeAsync().ConfigureAwait(false);
        run.State = state.CloneForTask();
        _runs[record.TaskId] = run;
        run.MarkEscalated(record.TaskId);
        Log.TaskCreated(_logger, state.ToolName, record.TaskId);
        return ToCreateResult(record);
    }

    private static McpProtocolException TooManyTasks(CallState state, ToolTaskOptions options)
    {
        state.Outcome = AuditOutcomes.RateLimited;
        state.Detail = "too many active tasks";
        return new McpProtocolException(
            $"Tool '{state.ToolName}' was not run: the caller already has {options.MaxActivePerCaller} tasks that have not ended (Msil:Mcp:Tasks:MaxActivePerCaller). Wait for one to end or cancel one.",
            McpErrorCode.InvalidRequest);
    }

    private static Task<ToolResult> Start(IToolExecutor executor, ToolInvocation call, CancellationToken cancellationToken)
    {
        try
        {
            return executor.ExecuteAsync(call, cancellationToken).AsTask();
        }
        catch (Exception ex)
        {
            return Task.FromException<ToolResult>(ex);
        }
    }

    private Task ExecuteAndFollowAsync(ToolTaskRun run, ToolInvocation call) => FollowAsync(run, Start(run.Executor, call, run.Token));

    /// <summary>Waits for one round of the executor inside the task and records what it ended with.</summary>
    private async Task FollowAsync(ToolTaskRun run, Task<ToolResult> execution)
    {
        var taskId = run.TaskId!;
        var state = run.State;
        try
        {
            ToolResult result;
            try
            {
                result = await execution.ConfigureAwait(false);
            }
            catch (ToolInputRequiredException ex)
            {
                await ParkAsync(run, ex).ConfigureAwait(false);
                return;
            }

            var shaped = _shape.Complete(state, result);
            var json = JsonSerializer.SerializeToElement(shaped, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(CallToolResult)));
            await EndAsync(run, r => r with { Status = ToolTaskStatus.Completed, Result = json }, state.Outcome!, state.Detail).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (run.Token.IsCancellationRequested)
        {
            await CancelledAsync(run).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var (code, message) = ex switch
            {
                McpProtocolException p => ((int)p.ErrorCode, p.Message),
                McpException m => (InternalErrorCode, m.Message),
                _ => (InternalErrorCode, "An internal error occurred while the task ran."),
            };
            Log.TaskFailed(_logger, state.ToolName, taskId, ex.GetType().Name);
            await FailAsync(run, code, message, ex is McpException ? message : ex.GetType().Name).ConfigureAwait(false);
        }
    }

    private Task CancelledAsync(ToolTaskRun run) => run.CancelReason switch
    {
        ToolTaskEnd.Shutdown => FailAsync(run, InternalErrorCode, "The server shut down before the task ended.", "server shutdown"),
        ToolTaskEnd.Expired => EndAsync(run, r => r with { Status = ToolTaskStatus.Cancelled, StatusMessage = "expired" }, AuditOutcomes.Cancelled, "expired"),
        _ => EndAsync(run, r => r with { Status = ToolTaskStatus.Cancelled }, AuditOutcomes.Cancelled, "cancelled by the client"),
    };

    private Task FailAsync(ToolTaskRun run, int code, string message, string detail)
        => EndAsync(run, r => r with { Status = ToolTaskStatus.Failed, ErrorCode = code, ErrorMessage = message }, AuditOutcomes.Failed, detail);

    /// <summary>
    /// Writes the task's own audit record, then records the terminal status, then lets go of the run: audit stays the
    /// outermost step for tasks as for inline calls, so a client that sees the task end finds its record already there.
    /// The status is recorded even when the audit write throws, so a task never stays running for its whole TTL.
    /// </summary>
    private async Task EndAsync(ToolTaskRun run, Func<ToolTaskRecord, ToolTaskRecord> terminal, string outcome, string? detail)
    {
        var taskId = run.TaskId!;
        try
        {
            var state = run.State;
            state.Outcome = outcome;
            state.Detail = detail is null ? "task " + taskId : $"task {taskId}: {detail}";
            try
            {
                await _audit.WriteTaskAsync(state).ConfigureAwait(false);
            }
            finally
            {
                var now = _time.GetUtcNow();
                await _store.UpdateAsync(
                    taskId,
                    r => r.IsTerminal ? null : terminal(r) with { LastUpdatedAt = now, InputRequests = new Dictionary<string, ToolTaskInput>(0), InputResponses = new Dictionary<string, JsonElement>(0), RequestState = null },
                    CancellationToken.None).ConfigureAwait(false);
            }

            Log.TaskEnded(_logger, state.ToolName, taskId, outcome);
        }
        finally
        {
            _runs.TryRemove(taskId, out _);
            await run.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The executor asked for input: the task waits in <c>input_required</c> until <c>tasks/update</c> answers every request.</summary>
    private async Task ParkAsync(ToolTaskRun run, ToolInputRequiredException ex)
    {
        var inputs = new Dictionary<string, ToolTaskInput>(ex.InputRequests.Count, StringComparer.Ordinal);
        var capabilities = run.ClientCapabilities;
#pragma warning disable MCP9005 // sampling and roots are deprecated from 2026-07-28 (SEP-2577) but still requestable, and tasks carry them.
        foreach (var (key, request) in ex.InputRequests)
        {
            var missing = request.Method switch
            {
                ToolInputRequest.ElicitationMethod => capabilities?.Elicitation is null,
                ToolInputRequest.SamplingMethod => capabilities?.Sampling is null,
                ToolInputRequest.RootsListMethod => capabilities?.Roots is null,
                _ => false,
            };
#pragma warning restore MCP9005
            if (missing)
            {
                await FailAsync(run, (int)McpErrorCode.MissingRequiredClientCapability, $"Tool '{run.State.ToolName}' asked for {request.Method}, which the client did not declare.", $"input request '{key}' ({request.Method}) needs a client capability the client did not declare").ConfigureAwait(false);
                return;
            }

            inputs[key] = new ToolTaskInput(request.Method, request.Params);
        }

        if (inputs.Count == 0)
        {
            await FailAsync(run, InternalErrorCode, $"Tool '{run.State.ToolName}' asked for no input but did not finish.", "input required without input requests").ConfigureAwait(false);
            return;
        }

        run.Park();
        var now = _time.GetUtcNow();
        var record = await _store.UpdateAsync(
            run.TaskId!,
            r => r.IsTerminal ? null : r with
            {
                Status = ToolTaskStatus.InputRequired,
                InputRequests = inputs,
                InputResponses = new Dictionary<string, JsonElement>(0),
                RequestState = ex.RequestState,
                LastUpdatedAt = now,
            },
            CancellationToken.None).ConfigureAwait(false);
        if ((record is null || record.CancelRequested || run.Token.IsCancellationRequested) && run.TryUnpark())
        {
            await CancelledAsync(run).ConfigureAwait(false);
        }
    }

    /// <summary>Every input request is answered: call the executor again with the answers and its request state.</summary>
    private async Task ResumeAsync(ToolTaskRun run)
    {
        var record = await _store.GetAsync(run.TaskId!, CancellationToken.None).ConfigureAwait(false);
        if (record is null || record.Status != ToolTaskStatus.Working || !run.TryUnpark())
        {
            return;
        }

        var state = run.State;
        var context = new McpToolCallContext(null, state.ToolName, record.RequestState, run, record.InputResponses);
        await FollowAsync(run, Start(run.Executor, state.CreateInvocation(context, run.Services), run.Token)).ConfigureAwait(false);
    }

    private async ValueTask SetStatusMessageAsync(ToolTaskRun run, string message)
    {
        if (run.TaskId is not { } taskId)
        {
            return;
        }

        var now = _time.GetUtcNow();
        await _store.UpdateAsync(taskId, r => r.IsTerminal ? null : r with { StatusMessage = message, LastUpdatedAt = now }, CancellationToken.None).ConfigureAwait(false);
    }

    private void OnSignal(string taskId, ToolTaskSignal signal)
    {
        if (!_runs.TryGetValue(taskId, out var run))
        {
            return; // another replica's task, or already over
        }

        switch (signal)
        {
            case ToolTaskSignal.Cancel:
            case ToolTaskSignal.Expired:
                var reason = signal == ToolTaskSignal.Cancel ? ToolTaskEnd.Client : ToolTaskEnd.Expired;
                if (run.TryUnpark())
                {
                    run.Cancel(reason);
                    Track(CancelledAsync(run));
                }
                else
                {
                    run.Cancel(reason);
                }

                break;
            case ToolTaskSignal.InputReady:
                Track(Task.Run(() => ResumeAsync(run), CancellationToken.None));
                break;
        }
    }

    private void Track(Task task)
    {
        _background[task] = 0;
        _ = task.ContinueWith(
            static (t, self) =>
            {
                var runner = (ToolTaskRunner)self!;
                runner._background.TryRemove(t, out _);
                if (t.Exception is { } ex)
                {
                    Log.TaskBackgroundFailed(runner._logger, ex.InnerException?.GetType().Name ?? ex.GetType().Name);
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    public static CreateTaskResult ToCreateResult(ToolTaskRecord record) => new()
    {
        ResultType = "task",
        TaskId = record.TaskId,
        Status = ToolTaskRecord.Wire(record.Status),
        StatusMessage = record.StatusMessage,
        CreatedAt = Timestamp(record.CreatedAt),
        LastUpdatedAt = Timestamp(record.LastUpdatedAt),
        TtlMs = record.TtlMs,
        PollIntervalMs = record.PollIntervalMs,
    };

    public static string Timestamp(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Cancels every running task (each ends <c>failed</c>) and waits for them within the host's shutdown timeout.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var run in _runs.Values)
        {
            if (run.TryUnpark())
            {
                run.Cancel(ToolTaskEnd.Shutdown);
                Track(CancelledAsync(run));
            }
            else
            {
                run.Cancel(ToolTaskEnd.Shutdown);
            }
        }

        try
        {
            await Task.WhenAll(_background.Keys).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.TasksAbandoned(_logger, _runs.Count);
        }
    }

    public void Dispose() => _subscription.Dispose();
}
