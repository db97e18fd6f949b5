using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Server;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Hosting;

namespace Msil.Mcp.Tasks;

#pragma warning disable MCPEXP002 // raw request handlers are experimental in the SDK (2.4.0); they are how an extension adds methods.

/// <summary>
/// <c>tasks/get</c>, <c>tasks/update</c> and <c>tasks/cancel</c> (SEP-2663) as raw SDK request handlers, routed by
/// <c>Mcp-Name: &lt;taskId&gt;</c>. A client that did not negotiate the extension gets -32021; an unknown task, or
/// another caller's, -32602. <c>tasks/result</c> and <c>tasks/list</c> were removed from the extension and stay unanswered (-32601).
/// </summary>
internal sealed class ToolTaskRequestHandlers
{
    private readonly IToolTaskStore _store;
    private readonly ICallerIdentityResolver _identity;
    private readonly IAuditSink _audit;
    private readonly IHttpContextAccessor _http;
    private readonly TimeProvider _time;
    private readonly ILogger<ToolTaskRequestHandlers> _logger;
    private readonly IOptionsMonitor<MsilMcpOptions> _options;

    public ToolTaskRequestHandlers(IToolTaskStore store, ICallerIdentityResolver identity, IAuditSink audit, IHttpContextAccessor http, TimeProvider time, IOptionsMonitor<MsilMcpOptions> options, ILogger<ToolTaskRequestHandlers> logger)
    {
        _options = options;
        _store = store;
        _identity = identity;
        _audit = audit;
        _http = http;
        _time = time;
        _logger = logger;
        Handlers =
        [
            new McpServerRequestHandler { Method = "tasks/get", RoutingNameParameter = "taskId", Handler = GetAsync },
            new McpServerRequestHandler { Method = "tasks/update", RoutingNameParameter = "taskId", Handler = UpdateAsync },
            new McpServerRequestHandler { Method = "tasks/cancel", RoutingNameParameter = "taskId", Handler = CancelAsync },
        ];
    }

    /// <summary>Gets the handlers, created once.</summary>
    public IReadOnlyList<McpServerRequestHandler> Handlers { get; }

    // SDK 2.4.0 hands a raw handler a RequestContext: the parameters are read from context.Params (a composed handler may
    // have replaced them), the method and per-request capabilities from context.JsonRpcRequest.
    private async ValueTask<JsonNode?> GetAsync(RequestContext<JsonNode?> request, CancellationToken cancellationToken)
    {
        var (record, _) = await FindAsync(request, cancellationToken).ConfigureAwait(false);
        return Detailed(record);
    }

    private async ValueTask<JsonNode?> UpdateAsync(RequestContext<JsonNode?> request, CancellationToken cancellationToken)
    {
        var (record, _) = await FindAsync(request, cancellationToken).ConfigureAwait(false);
        if (request.Params is not JsonObject p || !p.TryGetPropertyValue("inputResponses", out var node) || node is not JsonObject responses)
        {
            throw new McpProtocolException("tasks/update needs an inputResponses object.", McpErrorCode.InvalidParams);
        }

        // The answers go to the executor, and through it possibly to a backend: each must be a result object (an
        // elicitation, sampling or roots result), and together they are held to the same size limit as arguments.
        var answers = new Dictionary<string, JsonElement>(responses.Count, StringComparer.Ordinal);
        long size = 0;
        var limit = _options.CurrentValue.MaxArgumentBytes;
        foreach (var (key, value) in responses)
        {
            if (value is not JsonObject)
            {
                throw new McpProtocolException($"tasks/update: inputResponses['{CallerText.Bound(key)}'] must be an object (the result of the request the task asked for).", McpErrorCode.InvalidParams);
            }

            var element = JsonSerializer.SerializeToElement(value, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonNode)));
            size += element.GetRawText().Length + key.Length;
            if (size > limit)
            {
                throw new McpProtocolException($"tasks/update: inputResponses are larger than {limit} bytes (Msil:Mcp:MaxArgumentBytes).", McpErrorCode.InvalidParams);
            }

            answers[key] = element;
        }

        var now = _time.GetUtcNow();
        var resumed = false;
        await _store.UpdateAsync(
            record.TaskId,
            r =>
            {
                resumed = false;
                if (r.Status != ToolTaskStatus.InputRequired)
                {
                    return null; // nothing is waiting: acknowledged, ignored
                }

                var pending = new Dictionary<string, ToolTaskInput>(r.InputRequests, StringComparer.Ordinal);
                var collected = new Dictionary<string, JsonElement>(r.InputResponses, StringComparer.Ordinal);
                foreach (var (key, value) in answers)
                {
                    if (pending.Remove(key))
                    {
                        collected[key] = value; // keys the task did not ask for are ignored
                    }
                }

                resumed = pending.Count == 0;
                return r with
                {
                    InputRequests = pending,
                    InputResponses = collected,
                    Status = resumed ? ToolTaskStatus.Working : ToolTaskStatus.InputRequired,
                    LastUpdatedAt = now,
                };
            },
            cancellationToken).ConfigureAwait(false);
        if (resumed)
        {
            await _store.SignalAsync(record.TaskId, ToolTaskSignal.InputReady, cancellationToken).ConfigureAwait(false);
        }

        return Ack();
    }

    private async ValueTask<JsonNode?> CancelAsync(RequestContext<JsonNode?> request, CancellationToken cancellationToken)
    {
        var (record, caller) = await FindAsync(request, cancellationToken).ConfigureAwait(false);
        string detail;
        if (record.IsTerminal)
        {
            detail = $"task {record.TaskId} had already ended ({ToolTaskRecord.Wire(record.Status)})";
        }
        else
        {
            await _store.UpdateAsync(record.TaskId, r => r.IsTerminal ? null : r with { CancelRequested = true }, cancellationToken).ConfigureAwait(false);
            await _store.SignalAsync(record.TaskId, ToolTaskSignal.Cancel, cancellationToken).ConfigureAwait(false);
            detail = $"task {record.TaskId}: cancellation requested";
        }

        await AuditCancelAsync(caller, record, detail).ConfigureAwait(false);
        return Ack();
    }

    private async ValueTask<(ToolTaskRecord Record, CallerIdentity Caller)> FindAsync(RequestContext<JsonNode?> request, CancellationToken cancellationToken)
    {
        var method = request.JsonRpcRequest.Method;
        if (!ToolTaskNegotiation.IsNegotiated(request.JsonRpcRequest.Context, request.Params))
        {
            throw new MissingRequiredClientCapabilityException(
                ToolTaskNegotiation.RequiredCapabilities(),
                $"{method} needs the {ToolTaskNegotiation.ExtensionId} extension in the client capabilities.");
        }

        var taskId = request.Params is JsonObject p && p.TryGetPropertyValue("taskId", out var id) && id is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        if (string.IsNullOrEmpty(taskId))
        {
            throw new McpProtocolException($"{method} needs a taskId.", McpErrorCode.InvalidParams);
        }

        var caller = _identity.Resolve(request.User ?? _http.HttpContext?.User);
        // Task ids are ours (32 hex digits): a longer one is not looked up at all.
        var record = taskId.Length > CallerText.MaxLength ? null : await _store.GetAsync(taskId, cancellationToken).ConfigureAwait(false);

        // Another caller's task is answered exactly like an unknown one: its existence is not disclosed.
        if (record is null || !string.Equals(record.OwnerKey, caller.PrincipalKey, StringComparison.Ordinal))
        {
            throw new McpProtocolException($"Unknown task '{CallerText.Bound(taskId)}'.", McpErrorCode.InvalidParams);
        }

        return (record, caller);
    }

    internal static JsonObject Detailed(ToolTaskRecord record)
    {
        var json = new JsonObject
        {
            ["resultType"] = "complete",
            ["taskId"] = record.TaskId,
            ["status"] = ToolTaskRecord.Wire(record.Status),
            ["createdAt"] = ToolTaskRunner.Timestamp(record.CreatedAt),
            ["lastUpdatedAt"] = ToolTaskRunner.Timestamp(record.LastUpdatedAt),
            ["ttlMs"] = record.TtlMs,
            ["pollIntervalMs"] = record.PollIntervalMs,
        };
        if (record.StatusMessage is { } message)
        {
            json["statusMessage"] = message;
        }

        switch (record.Status)
        {
            case ToolTaskStatus.Completed when record.Result is { } result:
                json["result"] = JsonNode.Parse(result.GetRawText());
                break;
            case ToolTaskStatus.Failed:
                json["error"] = new JsonObject { ["code"] = record.ErrorCode ?? ToolTaskRunner.InternalErrorCode, ["message"] = record.ErrorMessage ?? "The task failed." };
                break;
            case ToolTaskStatus.InputRequired:
                var inputs = new JsonObject();
                foreach (var (key, input) in record.InputRequests)
                {
                    inputs[key] = new JsonObject { ["method"] = input.Method, ["params"] = JsonNode.Parse(input.Params.GetRawText()) };
                }

                json["inputRequests"] = inputs;
                break;
        }

        return json;
    }

    private static JsonObject Ack() => new() { ["resultType"] = "complete" };

    private async ValueTask AuditCancelAsync(CallerIdentity caller, ToolTaskRecord record, string detail)
    {
        var record2 = new AuditRecord
        {
            Id = Guid.CreateVersion7(_time.GetUtcNow()).ToString("N"),
            Timestamp = _time.GetUtcNow(),
            Action = AuditActions.ToolTaskCancel,
            Outcome = AuditOutcomes.Cancelled,
            CorrelationId = CorrelationIdMiddleware.Get(_http.HttpContext),
            ClientCorrelationId = CorrelationIdMiddleware.GetClient(_http.HttpContext),
            TraceId = Activity.Current?.TraceId.ToString(),
            UserId = caller.UserId,
            Subject = caller.Subject,
            ObjectId = caller.ObjectId,
            PreferredUsername = caller.PreferredUsername,
            Actor = caller.Actor,
            ToolName = record.ToolName,
            Detail = detail + " (call " + record.CorrelationId + ")",
        };
        try
        {
            await _audit.WriteAsync(record2, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.AuditWriteFailed(_logger, record.ToolName, ex.GetType().Name);
        }
    }
}
