using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Catalog;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Hosting;

namespace Msil.Mcp.Pipeline;

/// <summary>
/// The governed <c>tools/call</c>, in the fixed order of ARCHITECTURE §3: audit scope → resolve → validate → policy →
/// elevation → execute → shape. Installed as the outermost call-tool filter; the host cannot reorder the stages.
/// </summary>
internal sealed class ToolCallPipeline
{
    private readonly GovernedToolCollection _tools;
    private readonly ICallerIdentityResolver _identity;
    private readonly IPolicyDecisionPoint _policy;
    private readonly IElevationGate _elevation;
    private readonly IAuditSink _audit;
    private readonly IAuditGate _auditGate;
    private readonly IAuditArgumentRedactor _redactor;
    private readonly ToolExecutorRegistry _executors;
    private readonly IHttpContextAccessor _http;
    private readonly TimeProvider _time;
    private readonly MsilMcpMetrics _metrics;
    private readonly ILogger<ToolCallPipeline> _logger;
    private readonly IOptionsMonitor<MsilMcpOptions> _options;
    private readonly RateLimiting.RateLimitStage _rateLimit;
    private readonly RequestStateProtector _requestState;
    private readonly Tasks.ToolTaskRunner _tasks;

    public ToolCallPipeline(
        GovernedToolCollection tools,
        ICallerIdentityResolver identity,
        IPolicyDecisionPoint policy,
        IElevationGate elevation,
        IAuditSink audit,
        IAuditGate auditGate,
        IAuditArgumentRedactor redactor,
        ToolExecutorRegistry executors,
        IHttpContextAccessor http,
        TimeProvider time,
        MsilMcpMetrics metrics,
        IOptionsMonitor<MsilMcpOptions> options,
        RateLimiting.RateLimitStage rateLimit,
        RequestStateProtector requestState,
        Tasks.ToolTaskRunner tasks,
        ILogger<ToolCallPipeline> logger)
    {
        _tasks = tasks;
        _requestState = requestState;
        _rateLimit = rateLimit;
        _tools = tools;
        _identity = identity;
        _policy = policy;
        _elevation = elevation;
        _audit = audit;
        _auditGate = auditGate;
        _redactor = redactor;
        _executors = executors;
        _http = http;
        _time = time;
        _metrics = metrics;
        _options = options;
        _logger = logger;
        Filter = next => (context, cancellationToken) => InvokeAsync(context, next, cancellationToken);
    }

    /// <summary>Gets the call-tool filter, created once.</summary>
    public McpRequestFilter<CallToolRequestParams, CallToolResult> Filter { get; }

    internal async ValueTask<CallToolResult> InvokeAsync(
        RequestContext<CallToolRequestParams> context,
        McpRequestHandler<CallToolRequestParams, CallToolResult> next,
        CancellationToken cancellationToken)
    {
        var toolName = context.Params?.Name ?? string.Empty;
        var httpContext = _http.HttpContext;
        var state = new CallState
        {
            Pipeline = this,
            ToolName = toolName,
            CorrelationId = CorrelationIdMiddleware.Get(httpContext),
            StartTimestamp = _time.GetTimestamp(),
            Services = context.Services,
        };

        using var activity = MsilMcpTelemetry.Source.StartActivity("tools/call " + toolName, ActivityKind.Internal, CallTracing.Parent(context.Params?.Meta, httpContext));
        activity?.SetTag("mcp.tool.name", toolName);
        activity?.SetTag("msil.correlation_id", state.CorrelationId);

        JsonDocument? argumentsDocument = null;
        state.Caller = _identity.Resolve(context.User);
        using var logScope = _logger.BeginScope(new CallLogScope(state.CorrelationId, state.Caller.UserId, toolName));
        try
        {
            // 1. audit scope: everything below is recorded in the finally block, denials included.
            state.SubjectToken = ReadBearerToken(httpContext, state.Caller);

            // 2. resolve
            if (!_tools.TryGet(toolName, out var governed) || governed is null)
            {
                state.Outcome = AuditOutcomes.UnknownTool;
                throw new McpProtocolException($"Unknown tool: '{toolName}'.", McpErrorCode.InvalidParams);
            }

            state.Tool = governed.Compiled;
            context.MatchedPrimitive = governed;

            // The tasks extension (SEP-2663): a tool that can only run as a task needs a client that negotiated it.
            if (_tasks.Enabled && state.Tool.Definition.TaskSupport != ToolTaskSupport.None)
            {
                state.TaskEligible = Tasks.ToolTaskNegotiation.IsNegotiated(context);
                if (!state.TaskEligible && state.Tool.Definition.TaskSupport == ToolTaskSupport.Required)
                {
                    state.Outcome = AuditOutcomes.TaskRequired;
                    state.Detail = "the client did not negotiate " + Tasks.ToolTaskNegotiation.ExtensionId;
                    throw new MissingRequiredClientCapabilityException(
                        Tasks.ToolTaskNegotiation.RequiredCapabilities(),
                        $"Tool '{toolName}' runs only as a task: declare the {Tasks.ToolTaskNegotiation.ExtensionId} extension in the client capabilities.");
                }
            }

            // rate limit (per user, and per user and tool by risk level)
            try
            {
                await _rateLimit.CheckAsync(state.Caller, state.Tool.Definition, cancellationToken).ConfigureAwait(false);
            }
            catch (RateLimitExceededException ex)
            {
                state.Outcome = AuditOutcomes.RateLimited;
                state.Detail = ex.Message;
                throw;
            }

            // A retry of an input-required result (MRTR) echoes the state the executor asked for: refuse it unless it
            // is intact, unexpired and was issued for this tool and caller. Every stage below runs again for the retry.
            if (context.Params?.RequestState is { } echoed)
            {
                if (!_requestState.TryUnprotect(echoed, toolName, state.Caller.PrincipalKey, out var requestState, out var reason))
                {
                    state.Outcome = AuditOutcomes.RequestStateRejected;
                    state.Detail = reason;
                    Log.RequestStateRejected(_logger, toolName, reason);
                    throw new McpProtocolException($"Invalid requestState for tool '{toolName}': {reason}.", McpErrorCode.InvalidParams);
                }

                state.RequestState = requestState;
            }

            // 3. validate
            var invalid = Validate(context.Params?.Arguments, state, out argumentsDocument);
            if (invalid is not null)
            {
                return invalid;
            }

            // 4. policy
            var decision = await AuthorizeAsync(state, cancellationToken).ConfigureAwait(false);
            state.Decision = decision;
            _metrics.PolicyDecision(decision, PolicyAction.Execute);
            if (!decision.Allow)
            {
                state.Outcome = AuditOutcomes.Denied;
                state.Detail = decision.Reason;
                Log.CallDenied(_logger, toolName, decision.DecisionId, decision.Engine);
                throw new PolicyDeniedException(toolName, decision.Reason, decision.DecisionId);
            }

            // 5. elevation
            if (state.Tool.Definition.RiskLevel == RiskLevel.Privileged)
            {
                await CheckElevationAsync(state, cancellationToken).ConfigureAwait(false);
            }

            // Nothing runs that cannot be recorded: privileged calls are always refused then, others per the sink's policy.
            try
            {
                await _auditGate.EnsureWritableAsync(state.Tool.Definition.RiskLevel, cancellationToken).ConfigureAwait(false);
            }
            catch (AuditUnavailableException ex)
            {
                state.Outcome = AuditOutcomes.AuditUnavailable;
                state.Detail = ex.Message;
                throw new McpException($"Tool '{toolName}' was not run: its audit record could not be kept ({ex.Message}).");
            }

            // 6 + 7. execute and shape (through the SDK's handler, which calls GovernedTool.InvokeAsync → ExecuteAsync).
            state.Request = context;
            context.Items[CallState.ItemKey] = state;
            return await next(context, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            state.Outcome ??= AuditOutcomes.Failed;
            state.Detail ??= "cancelled";
            throw;
        }
        catch (Exception ex) when (state.Outcome is null)
        {
            state.Outcome = AuditOutcomes.Failed;
            state.Detail = ex is McpException ? ex.Message : ex.GetType().Name;
            throw;
        }
        finally
        {
            argumentsDocument?.Dispose();
            await AuditAsync(state, activity).ConfigureAwait(false);
        }
    }

    /// <summary>Stages 6 and 7: runs the executor and shapes its result for the model.</summary>
    internal async ValueTask<CallToolResult> ExecuteAsync(CallState state, CancellationToken cancellationToken)
    {
        var tool = state.Tool!;
        if (!_executors.TryGet(tool.Definition.Executor, out var executor))
        {
            state.Outcome = AuditOutcomes.Failed;
            state.Detail = $"no executor of kind '{tool.Definition.Executor}'";
            throw new McpException($"Tool '{tool.Definition.Name}' cannot run: no executor of kind '{tool.Definition.Executor}' is registered.");
        }

        ToolInvocation Invocation(IToolCallContext? context, IServiceProvider? services) => new()
        {
            Tool = tool.Definition,
            Arguments = state.Arguments,
            Caller = state.Caller,
            CorrelationId = state.CorrelationId,
            SubjectToken = state.SubjectToken,
            IdempotencyKey = state.IdempotencyKey,
            Services = services ?? state.Services,
            Context = context,
        };

        using var activity = MsilMcpTelemetry.Source.StartActivity("execute " + tool.Definition.Name);
        ToolResult result;
        try
        {
            if (state.TaskEligible && state.Request is not null)
            {
                var start = await _tasks.RunAsync(state, executor, Invocation, cancellationToken).ConfigureAwait(false);
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
                result = await executor.ExecuteAsync(Invocation(context, null), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ToolInputRequiredException ex)
        {
            throw InputRequired(state, ex);
        }

        return Complete(state, result);
    }

    /// <summary>Stage 7: records what the executor produced and shapes it for the model.</summary>
    internal CallToolResult Complete(CallState state, ToolResult result)
    {
        state.BackendStatus = result.BackendStatus;
        state.ResultSize = result.Size == 0 && result.Content.Count > 0 ? ContentCharacters(result.Content) : result.Size;
        state.Outcome = result.IsError ? AuditOutcomes.ToolError : AuditOutcomes.Success;
        if (result.IsError)
        {
            state.Detail = Truncate(result.Text, 256);
        }

        return Shape(result, _options.CurrentValue.MaxResultChars);
    }

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
        var protectedState = ex.RequestState is null ? null : _requestState.Protect(ex.RequestState, state.ToolName, state.Caller.PrincipalKey);
        return new InputRequiredException(requests.Count == 0 ? null : requests, protectedState);
    }

    internal static CallToolResult Shape(ToolResult result, int maxChars)
    {
        if (result.Content.Count > 0)
        {
            return ShapeContent(result, maxChars);
        }

        var text = result.Text;
        var structured = result.StructuredContent;
        if (text.Length > maxChars)
        {
            text = string.Concat(text.AsSpan(0, maxChars), $"\n\n[Result cut at {maxChars} of {result.Text.Length} characters.]");
            structured = null;
        }

        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = text }],
            StructuredContent = structured is { ValueKind: JsonValueKind.Object } ? structured : null,
            IsError = result.IsError ? true : null,
        };
    }

    private async ValueTask<PolicyDecision> AuthorizeAsync(CallState state, CancellationToken cancellationToken)
    {
        using var span = CallTracing.StartStage("authorize", state.ToolName);
        return await _policy.EvaluateAsync(new PolicyRequest(state.Caller, state.Tool!.Definition, PolicyAction.Execute, state.Arguments), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Maps content blocks onto the SDK's, within <paramref name="maxChars"/> (text and base64 data together): a text
    /// block that does not fit is cut, any other block that does not fit is left out; a notice says what was cut.
    /// </summary>
    private static CallToolResult ShapeContent(ToolResult result, int maxChars)
    {
        var total = ContentCharacters(result.Content);
        var budget = (long)maxChars;
        var blocks = new List<ContentBlock>(result.Content.Count + 1);
        var omitted = 0;
        foreach (var content in result.Content)
        {
            var size = content.CharacterCount;
            if (size <= budget)
            {
                blocks.Add(ToBlock(content));
                budget -= size;
            }
            else if (content is TextToolContent text && budget > 0)
            {
                blocks.Add(new TextContentBlock { Text = text.Text[..(int)budget] });
                budget = 0;
            }
            else
            {
                omitted++; // a later, smaller block may still fit
            }
        }

        var cut = total > maxChars;
        if (cut)
        {
            blocks.Add(new TextContentBlock { Text = $"[Result cut at {maxChars} of {total} characters; {omitted} content block(s) left out.]" });
        }

        return new CallToolResult
        {
            Content = blocks,
            StructuredContent = !cut && result.StructuredContent is { ValueKind: JsonValueKind.Object } s ? s : null,
            IsError = result.IsError ? true : null,
        };
    }

    private static ContentBlock ToBlock(ToolContent content) => content switch
    {
        TextToolContent t => new TextContentBlock { Text = t.Text },
        ImageToolContent i => new ImageContentBlock { Data = Encoding.UTF8.GetBytes(i.Data), MimeType = i.MimeType },
        AudioToolContent a => new AudioContentBlock { Data = Encoding.UTF8.GetBytes(a.Data), MimeType = a.MimeType },
        EmbeddedResourceToolContent { Blob: { } blob } r => new EmbeddedResourceBlock
        {
            Resource = new BlobResourceContents { Uri = r.Uri, MimeType = r.MimeType, Blob = Encoding.UTF8.GetBytes(blob) },
        },
        EmbeddedResourceToolContent r => new EmbeddedResourceBlock
        {
            Resource = new TextResourceContents { Uri = r.Uri, MimeType = r.MimeType, Text = r.Text ?? string.Empty },
        },
        ResourceLinkToolContent l => new ResourceLinkBlock { Uri = l.Uri, Name = l.Name, MimeType = l.MimeType, Description = l.Description },
        _ => throw new NotSupportedException($"Content of type {content.GetType().Name} is not supported."),
    };

    private static long ContentCharacters(IReadOnlyList<ToolContent> content)
    {
        long total = 0;
        foreach (var c in content)
        {
            total += c.CharacterCount;
        }

        return total;
    }

    private CallToolResult? Validate(IDictionary<string, JsonElement>? arguments, CallState state, out JsonDocument? document)
    {
        using var span = CallTracing.StartStage("validate", state.ToolName);
        document = null;
        byte[] canonical;
        try
        {
            canonical = ArgumentCanonicalizer.ToCanonicalJson(arguments);
        }
        catch (JsonException ex)
        {
            state.Outcome = AuditOutcomes.InvalidArguments;
            state.Detail = ex.Message;
            return ToolError($"Invalid arguments for tool '{state.ToolName}': {ex.Message}");
        }

        state.ArgumentsHash = ArgumentCanonicalizer.Hash(canonical);
        if (canonical.Length > _options.CurrentValue.MaxArgumentBytes)
        {
            state.Outcome = AuditOutcomes.InvalidArguments;
            state.Detail = "arguments too large";
            return ToolError($"Invalid arguments for tool '{state.ToolName}': the arguments are {canonical.Length} bytes; the limit is {_options.CurrentValue.MaxArgumentBytes} bytes (Msil:Mcp:MaxArgumentBytes).");
        }

        document = JsonDocument.Parse(canonical);
        var violations = new List<Validation.SchemaViolation>();
        if (!state.Tool!.Validator.Validate(document.RootElement, violations))
        {
            state.Outcome = AuditOutcomes.InvalidArguments;
            var sb = new StringBuilder();
            sb.Append("Invalid arguments for tool '").Append(state.ToolName).Append("':");
            foreach (var v in violations)
            {
                sb.Append("\n- ").Append(v.Path).Append(": ").Append(v.Message);
            }

            state.Detail = Truncate(sb.ToString(), 512);
            return ToolError(sb.ToString());
        }

        // A snapshot, not the SDK's dictionary: filters a host adds inside ours could change that dictionary after
        // validation, and the executor must run exactly the arguments that were validated and hashed for audit.
        state.Arguments = arguments is null ? CallState.EmptyArguments : new Dictionary<string, JsonElement>(arguments, StringComparer.Ordinal);

        // Values fixed by the operator (not in the input schema) are bound whatever the caller sent.
        var fixedArguments = state.Tool.Definition.FixedArguments;
        if (fixedArguments.Count > 0)
        {
            var merged = new Dictionary<string, JsonElement>(state.Arguments, StringComparer.Ordinal);
            foreach (var (name, value) in fixedArguments)
            {
                merged[name] = value;
            }

            state.Arguments = merged;
        }

        return null;
    }

    private async ValueTask CheckElevationAsync(CallState state, CancellationToken cancellationToken)
    {
        using var span = CallTracing.StartStage("elevate", state.ToolName);
        var tool = state.Tool!.Definition;
        ElevationCheck check;
        try
        {
            check = await _elevation.CheckAsync(state.Caller, tool, state.Arguments, state.CorrelationId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            check = new ElevationCheck(ElevationOutcome.Unavailable, "the elevation service could not be reached", tool.Name);
            Log.ElevationCheckFailed(_logger, tool.Name, ex.GetType().Name);
        }

        _metrics.Elevation(check.Outcome);
        switch (check.Outcome)
        {
            case ElevationOutcome.Granted:
                state.Grant = check.Grant;
                return;
            case ElevationOutcome.Required when check.ElevationUrl is not null:
                state.Outcome = AuditOutcomes.ElevationRequired;
                state.Detail = check.Reason;
                var message = $"Tool '{tool.Name}' is privileged and needs an active elevation for scope '{check.Scope}' ({check.Reason}). Request elevation at {check.ElevationUrl} and call the tool again once it is approved.";
                throw new UrlElicitationRequiredException(message,
                [
                    new ElicitRequestParams
                    {
                        Mode = "url",
                        Message = message,
                        Url = check.ElevationUrl.ToString(),
                        ElicitationId = check.ElicitationId ?? Guid.NewGuid().ToString("N"),
                    },
                ]);
            default:
                state.Outcome = AuditOutcomes.Denied;
                state.Detail = check.Reason;
                throw new ElevationUnavailableException(tool.Name, check.Reason);
        }
    }

    /// <summary>Records the end of a task (its own record: outcome, latency and result size, under the call's correlation id).</summary>
    internal ValueTask AuditTaskAsync(CallState state, string action) => AuditAsync(state, null, action);

    private async ValueTask AuditAsync(CallState state, Activity? activity, string action = AuditActions.ToolCall)
    {
        using var span = CallTracing.StartStage("audit", state.ToolName);
        var elapsed = _time.GetElapsedTime(state.StartTimestamp);
        var outcome = state.Outcome ?? AuditOutcomes.Failed;
        var definition = state.Tool?.Definition;
        activity?.SetTag("msil.outcome", outcome);
        _metrics.ToolExecution(state.ToolName, outcome, definition?.RiskLevel, elapsed.TotalSeconds);
        var record = new AuditRecord
        {
            Id = Guid.CreateVersion7(_time.GetUtcNow()).ToString("N"),
            Timestamp = _time.GetUtcNow(),
            Action = action,
            Outcome = outcome,
            CorrelationId = state.CorrelationId,
            TraceId = Activity.Current?.TraceId.ToString(),
            UserId = state.Caller.UserId,
            Subject = state.Caller.Subject,
            ObjectId = state.Caller.ObjectId,
            PreferredUsername = state.Caller.PreferredUsername,
            Actor = state.Caller.Actor,
            ToolName = state.ToolName,
            ToolVersion = definition?.Version,
            ToolContentHash = definition?.ContentHash,
            RiskLevel = definition?.RiskLevel,
            PolicyAllow = state.Decision?.Allow,
            PolicyReason = state.Decision?.Reason,
            DecisionId = state.Decision?.DecisionId,
            ElevationReference = state.Grant?.ApprovalReference,
            BackendStatus = state.BackendStatus,
            LatencyMs = elapsed.TotalMilliseconds,
            ArgumentsHash = state.ArgumentsHash,
            Arguments = RedactArguments(state, definition),
            ResultSize = state.ResultSize,
            Detail = state.Detail,
        };

        try
        {
            await _audit.WriteAsync(record, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The audit package owns its durability policy; a sink that throws here has already decided the record
            // cannot be kept. Say so loudly; the call's own outcome is unchanged.
            Log.AuditWriteFailed(_logger, state.ToolName, ex.GetType().Name);
        }
    }

    private string? RedactArguments(CallState state, ToolDefinition? definition)
    {
        if (definition is null || state.Arguments.Count == 0)
        {
            return null;
        }

        try
        {
            return _redactor.Redact(definition, state.Arguments);
        }
        catch (Exception ex)
        {
            // A redactor that fails must not leak what it was given, nor cost the call its record: keep the hash only.
            Log.ArgumentRedactionFailed(_logger, state.ToolName, ex.GetType().Name);
            return null;
        }
    }

    private static SensitiveString? ReadBearerToken(HttpContext? httpContext, CallerIdentity caller)
    {
        if (httpContext is null || !caller.IsAuthenticated)
        {
            return null;
        }

        var header = httpContext.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7
            ? new SensitiveString(header[7..].Trim())
            : null;
    }

    private static CallToolResult ToolError(string text) => new()
    {
        Content = [new TextContentBlock { Text = text }],
        IsError = true,
    };

    private static string Truncate(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "…");
}
