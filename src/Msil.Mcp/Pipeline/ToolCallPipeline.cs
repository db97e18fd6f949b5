using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Defaults;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Hosting;
using Msil.Mcp.Pipeline.Stages;
using Msil.Mcp.RateLimiting;

namespace Msil.Mcp.Pipeline;

/// <summary>
/// The governed <c>tools/call</c>: composes the stages in the fixed order of docs/architecture.md, the audit stage as
/// the outermost wrapper: caller rate limit → resolve → policy (no arguments) → tool rate limit → task support →
/// request state → validate → policy with arguments (only for a decision point that needs them) → elevation → audit
/// gate → execute and shape (through the SDK's handler: <see cref="Catalog.GovernedTool"/> → <see cref="ExecuteStage"/>).
/// Installed as the outermost call-tool filter; the host cannot reorder the stages. Each stage is a class of its own.
/// </summary>
internal sealed class ToolCallPipeline
{
    private static readonly ConditionalWeakTable<string, SensitiveString> TokensByHeader = new();

    private readonly ICallerIdentityResolver _identity;
    private readonly IHttpContextAccessor _http;
    private readonly TimeProvider _time;
    private readonly ILogger<ToolCallPipeline> _logger;
    private readonly AuditStage _audit;
    private readonly RateLimitStage _rateLimit;
    private readonly ResolveStage _resolve;
    private readonly PolicyStage _policy;
    private readonly TaskSupportStage _taskSupport;
    private readonly RequestStateStage _requestState;
    private readonly ValidationStage _validation;
    private readonly ElevationStage _elevation;
    private readonly AuditGateStage _auditGate;

    public ToolCallPipeline(
        ICallerIdentityResolver identity,
        IHttpContextAccessor http,
        TimeProvider time,
        AuditStage audit,
        RateLimitStage rateLimit,
        ResolveStage resolve,
        PolicyStage policy,
        TaskSupportStage taskSupport,
        RequestStateStage requestState,
        ValidationStage validation,
        ElevationStage elevation,
        AuditGateStage auditGate,
        ILogger<ToolCallPipeline> logger)
    {
        _identity = identity;
        _http = http;
        _time = time;
        _audit = audit;
        _rateLimit = rateLimit;
        _resolve = resolve;
        _policy = policy;
        _taskSupport = taskSupport;
        _requestState = requestState;
        _validation = validation;
        _elevation = elevation;
        _auditGate = auditGate;
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
        var requestedName = context.Params?.Name ?? string.Empty;
        var httpContext = _http.HttpContext;
        var state = new CallState
        {
            ToolName = CallerText.Bound(requestedName),
            CorrelationId = CorrelationIdMiddleware.Get(httpContext),
            ClientCorrelationId = CorrelationIdMiddleware.GetClient(httpContext),
            StartTimestamp = _time.GetTimestamp(),
            Services = context.Services,
        };

        // The span is named after the tool only once the name is known to be a catalog tool (never caller input).
        // Nothing here that no listener would see: the parent (headers, params._meta) is read only when the source has
        // a listener, and tags are set only on a span that records data.
        using var activity = MsilMcpTelemetry.Source.HasListeners()
            ? MsilMcpTelemetry.Source.StartActivity(CallTracing.CallSpan, ActivityKind.Internal, CallTracing.Parent(context.Params?.Meta, httpContext))
            : null;
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("mcp.tool.name", state.ToolName);
            activity.SetTag("msil.correlation_id", state.CorrelationId);
        }

        JsonDocument? argumentsDocument = null;
        if (_identity is ClaimsCallerIdentityResolver claims)
        {
            // The default resolver hands back the caller and its principal key made once per cached token.
            state.SetCaller(claims.Resolve(context.User, out var principalKey), principalKey);
        }
        else
        {
            state.Caller = _identity.Resolve(context.User);
        }

        // The scope only when this category logs at all (the test ASP.NET Core's hosting uses for its own request scope):
        // with logging off it would cost an allocation and an execution-context change per call for no reader.
        using var logScope = _logger.IsEnabled(LogLevel.Critical)
            ? _logger.BeginScope(new CallLogScope(state.CorrelationId, state.Caller.UserId, state.ToolName))
            : null;
        try
        {
            // 1. audit: everything below is recorded in the finally block, denials included.
            state.SubjectToken = ReadBearerToken(httpContext, state.Caller);

            // 2a. the caller's rate limit, before anything answers about the name (unknown names are limited too)
            try
            {
                await _rateLimit.CheckCallerAsync(state.Caller, state.PrincipalKey, state.ToolName, state.PrincipalKeyShared, cancellationToken).ConfigureAwait(false);
            }
            catch (RateLimitExceededException ex)
            {
                RateLimited(state, ex);
                throw;
            }

            // 2. resolve
            if (!_resolve.TryResolve(requestedName, out var governed))
            {
                state.Outcome = AuditOutcomes.UnknownTool;
                Log.UnknownToolRefused(_logger, state.ToolName);
                throw ResolveStage.UnknownTool(state);
            }

            state.Tool = governed.Compiled;
            state.ToolName = governed.Compiled.Definition.Name;
            context.MatchedPrimitive = governed;
            if (activity is not null)
            {
                activity.DisplayName = governed.Compiled.Spans.Call;
            }

            // 3. policy on user, tool and risk level: nothing below may tell a caller who may not call the tool about it.
            await _policy.AuthorizeAsync(state, cancellationToken).ConfigureAwait(false);

            // 3b. the caller-and-tool rate limit, by risk level
            try
            {
                await _rateLimit.CheckToolAsync(state.PrincipalKey, state.Tool, state.PrincipalKeyShared, cancellationToken).ConfigureAwait(false);
            }
            catch (RateLimitExceededException ex)
            {
                RateLimited(state, ex);
                throw;
            }

            // 3c. the tasks extension (SEP-2663): a task-only tool needs a client that negotiated it.
            _taskSupport.Check(state, context);

            // 3d. a retry of an input-required result (MRTR) echoes the state the executor asked for.
            if (context.Params?.RequestState is { } echoed)
            {
                _requestState.Verify(state, echoed);
            }

            // 4. validate
            var invalid = _validation.Validate(context.Params?.Arguments, state, out argumentsDocument);
            if (invalid is not null)
            {
                return invalid;
            }

            // 4b. policy with the validated arguments, only for a decision point that needs them
            if (_policy.RequiresArguments)
            {
                await _policy.AuthorizeArgumentsAsync(state, cancellationToken).ConfigureAwait(false);
            }

            // 5. elevation (privileged tools), 5b. audit gate
            await _elevation.CheckAsync(state, cancellationToken).ConfigureAwait(false);
            await _auditGate.EnsureWritableAsync(state, cancellationToken).ConfigureAwait(false);

            // 6 + 7. execute and shape (through the SDK's handler, which calls GovernedTool.InvokeAsync → ExecuteStage).
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
        catch (Exception ex) when (state.Outcome is not null && IsRefusal(state.Outcome) && RefusalFilteringLoggerFactory.Mark(ex))
        {
            throw; // not reached: Mark returns false, it only tells the SDK's logging that this exception is an outcome.
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
            await _audit.WriteAsync(state, activity).ConfigureAwait(false);
        }
    }

    /// <summary>Outcomes that are governed refusals, logged once at Information by the stages, not failures.</summary>
    private static bool IsRefusal(string outcome) => outcome is AuditOutcomes.UnknownTool or AuditOutcomes.Denied or AuditOutcomes.ElevationRequired
        or AuditOutcomes.RateLimited or AuditOutcomes.TaskRequired or AuditOutcomes.RequestStateRejected;

    private static void RateLimited(CallState state, RateLimitExceededException ex)
    {
        state.Outcome = AuditOutcomes.RateLimited;
        state.Detail = ex.Message;
    }

    private static SensitiveString? ReadBearerToken(HttpContext? httpContext, CallerIdentity caller)
    {
        if (httpContext is null || !caller.IsAuthenticated)
        {
            return null;
        }

        var header = httpContext.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
        {
            return null;
        }

        // Kestrel hands out the same header string on a kept-alive connection while the client sends the same bytes,
        // so the token is copied out of it once per connection and token, not once per call. The entry lives only as
        // long as that header string.
        if (TokensByHeader.TryGetValue(header, out var cached))
        {
            return cached;
        }

        var token = new SensitiveString(header[7..].Trim());
        TokensByHeader.AddOrUpdate(header, token);
        return token;
    }
}
