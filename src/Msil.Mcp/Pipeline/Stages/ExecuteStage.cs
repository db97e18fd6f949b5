using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Tasks;

namespace Msil.Mcp.Pipeline.Stages;

/// <summary>
/// Stage 6, execute: runs the <see cref="IToolExecutor"/> the tool names (inline, or through
/// <see cref="ToolTaskRunner"/> for a task-eligible call), turns an executor's <see cref="ToolInputRequiredException"/>
/// into the SDK's input-required result (MRTR), and hands the result to <see cref="ShapeStage"/>. Called by the SDK's
/// handler (<see cref="Catalog.GovernedTool"/>) once every governance stage has passed.
/// </summary>
internal sealed class ExecuteStage(ToolExecutorRegistry executors, ToolTaskRunner tasks, ShapeStage shape, RequestStateProtector requestState)
{
    public async ValueTask<CallToolResult> ExecuteAsync(CallState state, CancellationToken cancellationToken)
    {
        var tool = state.Tool!;
        if (!executors.TryGet(tool.Definition.Executor, out var executor))
        {
            state.Outcome = AuditOutcomes.Failed;
            state.Detail = $"no executor of kind '{tool.Definition.Executor}'";
            throw new McpException($"Tool '{tool.Definition.Name}' cannot run: no executor of kind '{tool.Definition.Executor}' is registered.");
        }

        using var activity = MsilMcpTelemetry.Source.StartActivity(tool.Spans.Execute);
        ToolResult result;
        try
        {
            if (state.TaskEligible && state.Request is not null)
            {
                var start = await tasks.RunAsync(state, executor, cancellationToken).ConfigureAwait(false);
                if (start.Created is { } created)
                {
                    state.Outcome = AuditOutcomes.TaskCreated;
                    state.Detail = "task " + created.TaskId;
                    state.CreatedTask = created;
                    return new CallToolResult { Content = [] }; // replaced by the CreateTaskResult in the alternate-result filter
                }

                result = start.Result!;
            }
            else
            {
                var context = state.Request is null ? null : new McpToolCallContext(state.Request, tool.Definition.Name, state.RequestState);
                result = await executor.ExecuteAsync(state.CreateInvocation(context, null), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ToolInputRequiredException ex)
        {
            throw InputRequired(state, ex);
        }

        // Inline through the SDK with nothing but the server's own filters around the call: a result made from JSON
        // bytes may go into the answer as bytes (CallResultWriter), never decoded or parsed here.
        var writeJson = !result.Utf8Json.IsEmpty && state.Request is { } request && WritesJson(request.Server.ServerOptions);
        return shape.Complete(state, result, writeJson);
    }

#pragma warning disable MCPEXP002 // the server's own alternate-result filter (the tasks extension's) is recognised, not called.
    internal static bool WritesJson(ModelContextProtocol.Server.McpServerOptions options) => CallResultWriter.WritesJson(options, Hosting.MsilMcpServerOptionsSetup.TaskResultFilter);
#pragma warning restore MCPEXP002

    /// <summary>
    /// Turns an executor's <see cref="ToolInputRequiredException"/> into the SDK's input-required result (not a tool
    /// error): each request needs the client capability it uses, and the executor's state leaves only protected.
    /// </summary>
    private InputRequiredException InputRequired(CallState state, ToolInputRequiredException ex)
    {
        var capabilities = state.Request?.Server.ClientCapabilities;
#pragma warning disable MCP9005 // sampling and roots are deprecated from 2026-07-28 (SEP-2577) but still requestable there, and MRTR carries them.
        var requests = new Dictionary<string, InputRequest>(ex.InputRequests.Count, StringComparer.Ordinal);
        foreach (var (key, request) in ex.InputRequests)
        {
            var missing = request.Method switch
            {
                ToolInputRequest.ElicitationMethod when capabilities?.Elicitation is null => new ClientCapabilities { Elicitation = new() },
                ToolInputRequest.SamplingMethod when capabilities?.Sampling is null => new ClientCapabilities { Sampling = new() },
                ToolInputRequest.RootsListMethod when capabilities?.Roots is null => new ClientCapabilities { Roots = new() },
                _ => null,
            };
            if (missing is not null)
            {
                state.Outcome = AuditOutcomes.Failed;
                state.Detail = $"input request '{key}' ({request.Method}) needs a client capability the client did not declare";
                throw new MissingRequiredClientCapabilityException(missing, $"Tool '{state.ToolName}' asked for {request.Method}, which the client did not declare.");
            }

            requests[key] = new InputRequest { Method = request.Method, Params = request.Params };
        }
#pragma warning restore MCP9005

        state.Outcome = AuditOutcomes.InputRequired;
        state.Detail = requests.Count == 0
            ? "request state only"
            : "input requested: " + string.Join(", ", ex.InputRequests.Select(r => r.Key + " (" + r.Value.Method + ")"));
        var protectedState = ex.RequestState is null ? null : requestState.Protect(ex.RequestState, state.ToolName, state.Caller.PrincipalKey);
        return new InputRequiredException(requests.Count == 0 ? null : requests, protectedState);
    }
}
