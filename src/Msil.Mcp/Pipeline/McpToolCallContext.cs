using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Pipeline;

// MCP9005: logging and sampling are deprecated from protocol 2026-07-28 (SEP-2577), but clients on 2025-06-18 and
// 2025-11-25 still use them, and executors written against this context must keep working with those clients.
#pragma warning disable MCP9005

/// <summary>
/// The executor's channel to the MCP client, over the SDK's request context of one <c>tools/call</c>. For a call that
/// can become a task (SEP-2663) it also carries the task run: once the call is a task, or when the executor is called
/// again inside a task (<paramref name="request"/> is <see langword="null"/> then), nothing touches the finished request.
/// </summary>
internal sealed class McpToolCallContext(
    RequestContext<CallToolRequestParams>? request,
    string toolName,
    string? requestState = null,
    Tasks.ToolTaskRun? task = null,
    IReadOnlyDictionary<string, JsonElement>? inputResponses = null) : IToolCallContext
{
    private IReadOnlyDictionary<string, JsonElement>? _inputResponses = inputResponses ?? (task is null ? null : ReadInputResponses(request?.Params?.InputResponses));

    private McpServer Server => request?.Server ?? throw new InvalidOperationException($"Tool '{toolName}' has no MCP request.");

    /// <summary>Whether the request is out of reach: the call is a task, or this is a round inside one.</summary>
    private bool Detached => request is null || task?.TaskId is not null;

    private ClientCapabilities? Capabilities => task is not null ? task.ClientCapabilities : request?.Server.ClientCapabilities;

    public bool SupportsRoots => Capabilities?.Roots is not null;

    // Natively from 2026-07-28; on an older stateful session the SDK fulfils the requests itself and retries the call;
    // inside a task the client answers through tasks/update.
    public bool SupportsInputRequests => Detached || Server.IsMrtrSupported || Server.SessionId is not null;

    public IReadOnlyDictionary<string, JsonElement> InputResponses => _inputResponses ??= ReadInputResponses(request?.Params?.InputResponses);

    public string? RequestState => requestState;

    public bool CanReportProgress => Detached ? task is not null : request?.Params?.ProgressToken is not null;

    public bool SupportsSampling => Capabilities?.Sampling is not null;

    public bool SupportsElicitation => Capabilities?.Elicitation is not null;

    public bool CanRunAsTask => task is not null;

    public string? TaskId => task?.TaskId;

    public async ValueTask RunAsTaskAsync(CancellationToken cancellationToken = default)
    {
        if (task is null || task.TaskId is not null)
        {
            return;
        }

        task.RequestEscalation();
        await task.WaitEscalatedAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask ReportProgressAsync(double progress, double? total = null, string? message = null, CancellationToken cancellationToken = default)
    {
        if (Detached)
        {
            // Inside a task progress becomes the task's status message (tasks/get).
            if (task?.OnProgress is { } onProgress)
            {
                var text = message ?? (total is { } t && t > 0
                    ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{progress} of {t}")
                    : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{progress}"));
                await onProgress(text).ConfigureAwait(false);
            }

            return;
        }

        if (request?.Params?.ProgressToken is not { } token)
        {
            return;
        }

        await Server.NotifyProgressAsync(
            token,
            new ProgressNotificationValue { Progress = (float)progress, Total = (float?)total, Message = message },
            cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask LogAsync(ToolLogLevel level, string message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (Detached)
        {
            return; // no request to carry it: a task's log messages are dropped
        }

        var mcpLevel = ToMcp(level);
        // Before 2026-07-28 a server may log until the client sets a level; from 2026-07-28 only when the request set one.
        var minimum = Server.LoggingLevel;
        if ((minimum is null && string.CompareOrdinal(Server.NegotiatedProtocolVersion, "2026-07-28") >= 0) || mcpLevel < minimum)
        {
            return;
        }

        await Server.SendNotificationAsync(
            NotificationMethods.LoggingMessageNotification,
            new LoggingMessageNotificationParams { Level = mcpLevel, Logger = toolName, Data = JsonSerializer.SerializeToElement(message, TypeInfo<string>()) },
            TypeInfo<LoggingMessageNotificationParams>().Options,
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<ToolSamplingResult> SampleAsync(ToolSamplingRequest samplingRequest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(samplingRequest);
        ThrowIfDetached("sampling/createMessage");
        if (!SupportsSampling)
        {
            throw new MissingRequiredClientCapabilityException(new ClientCapabilities { Sampling = new() }, $"Tool '{toolName}' needs the client's sampling capability, which the client did not declare.");
        }

        var result = await Server.SampleAsync(
            new CreateMessageRequestParams
            {
                Messages = [new SamplingMessage { Role = Role.User, Content = [new TextContentBlock { Text = samplingRequest.Prompt }] }],
                MaxTokens = samplingRequest.MaxTokens,
                SystemPrompt = samplingRequest.SystemPrompt,
                Temperature = samplingRequest.Temperature,
            },
            cancellationToken).ConfigureAwait(false);
        var text = result.Content?.OfType<TextContentBlock>().FirstOrDefault()?.Text;
        return new ToolSamplingResult(text, result.Model, result.StopReason);
    }

    public async ValueTask<ToolElicitationResult> ElicitAsync(string message, JsonElement requestedSchema, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ThrowIfDetached("elicitation/create");
        if (!SupportsElicitation)
        {
            throw new MissingRequiredClientCapabilityException(new ClientCapabilities { Elicitation = new() }, $"Tool '{toolName}' needs the client's elicitation capability, which the client did not declare.");
        }

        var schema = requestedSchema.Deserialize(TypeInfo<ElicitRequestParams.RequestSchema>())
            ?? throw new ArgumentException("The requested schema is not a JSON object schema.", nameof(requestedSchema));
        var result = await Server.ElicitAsync(new ElicitRequestParams { Message = message, RequestedSchema = schema }, cancellationToken).ConfigureAwait(false);
        JsonElement? content = result.Content is null ? null : JsonSerializer.SerializeToElement(result.Content, TypeInfo<IDictionary<string, JsonElement>>());
        return new ToolElicitationResult(result.Action, content);
    }

    public ValueTask EnablePollingAsync(TimeSpan retryInterval, CancellationToken cancellationToken = default)
    {
        ThrowIfDetached("SSE polling");
        return request!.EnablePollingAsync(retryInterval, cancellationToken);
    }

    public async ValueTask<JsonElement> SendRequestAsync(string method, JsonElement parameters, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        ThrowIfDetached(method);
        var response = await Server.SendRequestAsync(
            new JsonRpcRequest { Method = method, Params = System.Text.Json.Nodes.JsonNode.Parse(parameters.GetRawText()) },
            cancellationToken).ConfigureAwait(false);
        return response.Result is null ? default : JsonSerializer.SerializeToElement(response.Result, TypeInfo<System.Text.Json.Nodes.JsonNode>());
    }

    private void ThrowIfDetached(string what)
    {
        if (Detached)
        {
            throw new InvalidOperationException(
                $"Tool '{toolName}' runs as task {task?.TaskId}: its request is over, so it cannot send {what} to the client. Throw ToolInputRequiredException to ask the client for input; the task waits in input_required and the executor is called again with the answers.");
        }
    }

    private static Dictionary<string, JsonElement> ReadInputResponses(IDictionary<string, InputResponse>? responses)
    {
        var result = new Dictionary<string, JsonElement>(responses?.Count ?? 0, StringComparer.Ordinal);
        foreach (var (key, response) in responses ?? new Dictionary<string, InputResponse>(0))
        {
            if (response is not null)
            {
                result[key] = response.RawValue;
            }
        }

        return result;
    }

    private static LoggingLevel ToMcp(ToolLogLevel level) => level switch
    {
        ToolLogLevel.Debug => LoggingLevel.Debug,
        ToolLogLevel.Info => LoggingLevel.Info,
        ToolLogLevel.Notice => LoggingLevel.Notice,
        ToolLogLevel.Warning => LoggingLevel.Warning,
        ToolLogLevel.Error => LoggingLevel.Error,
        ToolLogLevel.Critical => LoggingLevel.Critical,
        ToolLogLevel.Alert => LoggingLevel.Alert,
        _ => LoggingLevel.Emergency,
    };

    private static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(T));
}
