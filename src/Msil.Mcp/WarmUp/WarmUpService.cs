using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Catalog;
using Msil.Mcp.Diagnostics;
using Msil.Mcp.Pipeline;
using Msil.Mcp.Pipeline.Stages;

namespace Msil.Mcp.WarmUp;

/// <summary>
/// The start-up warm-up (<c>Msil:Mcp:WarmUp</c>): once every hosted service has started (the catalog is seeded), before
/// the host reports started and before <c>/health/ready</c>
/// answers healthy, it takes up to <see cref="MsilMcpWarmUpOptions.MaxTools"/> catalog tools through the governed call's
/// in-process stages for a synthetic caller (<see cref="Caller"/>), <see cref="MsilMcpWarmUpOptions.Iterations"/> times:
/// resolve, argument validation (the compiled schema against an empty object), result shaping, the audit record built and
/// redacted but never written (the state is marked <see cref="CallState.WarmUp"/>; the audit stage neither writes nor
/// counts it), and the MCP JSON contracts of a <c>tools/call</c> round trip. It calls no decision point, elevation gate,
/// rate-limit store or executor, so it reaches no network and changes no state, and a backend that is down cannot fail it.
/// Any exception ends the warm-up early with a warning; the start goes on.
/// </summary>
internal sealed class WarmUpService(
    IOptions<MsilMcpWarmUpOptions> options,
    GovernedToolCollection tools,
    ValidationStage validation,
    ShapeStage shape,
    AuditStage audit,
    TimeProvider time,
    ILogger<WarmUpService> logger) : IHostedLifecycleService
{
    /// <summary>The synthetic caller of the warm-up: no roles, an issuer no identity provider issues.</summary>
    public static readonly CallerIdentity Caller = new()
    {
        UserId = "msil-warm-up",
        Subject = "msil-warm-up",
        Issuer = "urn:msil-mcp:warm-up",
        IsAuthenticated = false,
    };

    private static readonly Dictionary<string, JsonElement> NoArguments = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<WarmUpResult> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets whether the warm-up has ended (run, skipped, timed out or failed); until then the server is not ready.</summary>
    public bool IsComplete => _done.Task.IsCompleted;

    /// <summary>Gets the warm-up's result once it has ended.</summary>
    public Task<WarmUpResult> Completion => _done.Task;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs after every hosted service has started (the registry has imported its sources), before the host reports started.</summary>
    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            Log.WarmUpSkipped(logger);
            _done.TrySetResult(new WarmUpResult(WarmUpStatus.Skipped, 0, TimeSpan.Zero));
            return;
        }

        var start = time.GetTimestamp();
        var calls = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(settings.TimeoutSeconds), time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            // Off the start-up thread: the rounds are CPU work, and the host's other services start meanwhile.
            calls = await Task.Run(() => Run(settings, linked.Token), linked.Token).ConfigureAwait(false);
            var elapsed = time.GetElapsedTime(start);
            Log.WarmUpCompleted(logger, calls, Math.Round(elapsed.TotalMilliseconds));
            _done.TrySetResult(new WarmUpResult(WarmUpStatus.Completed, calls, elapsed));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            Log.WarmUpTimedOut(logger, settings.TimeoutSeconds);
            _done.TrySetResult(new WarmUpResult(WarmUpStatus.TimedOut, calls, time.GetElapsedTime(start)));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host is stopping before it started: nothing to warm.
            _done.TrySetResult(new WarmUpResult(WarmUpStatus.Failed, calls, time.GetElapsedTime(start)));
            throw;
        }
        catch (Exception ex)
        {
            // Never fail the start: the server serves cold.
            Log.WarmUpFailed(logger, ex.GetType().Name);
            _done.TrySetResult(new WarmUpResult(WarmUpStatus.Failed, calls, time.GetElapsedTime(start)));
        }
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs the rounds; returns how many synthetic calls went through the stages.</summary>
    internal int Run(MsilMcpWarmUpOptions settings, CancellationToken cancellationToken)
    {
        // The stages start spans; under a parent that is not recorded, a parent-based sampler (OpenTelemetry's default)
        // drops them, so the warm-up leaves no traces. The parent itself comes from no ActivitySource: nobody listens to it.
        var previous = Activity.Current;
        using var quiet = new Activity("msil.warm-up");
        quiet.SetIdFormat(ActivityIdFormat.W3C);
        quiet.ActivityTraceFlags = ActivityTraceFlags.None;
        quiet.Start();
        try
        {
            return RunRounds(settings, cancellationToken);
        }
        finally
        {
            quiet.Stop();
            Activity.Current = previous;
        }
    }

    private int RunRounds(MsilMcpWarmUpOptions settings, CancellationToken cancellationToken)
    {
        var listing = tools.Listing;
        var count = Math.Min(settings.MaxTools, listing.Count);
        var calls = 0;
        for (var round = 0; round < settings.Iterations; round++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            RoundTripJson();
            for (var i = 0; i < count; i++)
            {
                WarmTool(listing[i]);
                calls++;
            }
        }

        return calls;
    }

    private void WarmTool(CompiledTool tool)
    {
        if (!tools.TryGet(tool.Definition.Name, out var governed) || governed is null)
        {
            return; // the catalog changed under the warm-up
        }

        var state = new CallState
        {
            ToolName = CallerText.Bound(governed.Compiled.Definition.Name),
            CorrelationId = "warm-up",
            StartTimestamp = time.GetTimestamp(),
            Caller = Caller,
            Tool = governed.Compiled,
            WarmUp = true,
        };
        JsonDocument? document = null;
        try
        {
            var invalid = validation.Validate(NoArguments, state, out document);
            var result = invalid ?? shape.Complete(state, new ToolResult { Text = "{\"warm\":\"up\"}", Size = 13 });
            _ = JsonSerializer.SerializeToUtf8Bytes(result, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(CallToolResult)));
        }
        finally
        {
            document?.Dispose();
            var pending = audit.WriteAsync(state, activity: null);
            if (!pending.IsCompletedSuccessfully)
            {
                pending.AsTask().GetAwaiter().GetResult();
            }
        }
    }

    /// <summary>The JSON contracts of a <c>tools/call</c> round trip: the request read, the response written.</summary>
    private static void RoundTripJson()
    {
        var json = McpJsonUtilities.DefaultOptions;
        var message = JsonSerializer.Deserialize(
            """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"warm-up","arguments":{"message":"hello"}}}"""u8,
            (System.Text.Json.Serialization.Metadata.JsonTypeInfo<JsonRpcMessage>)json.GetTypeInfo(typeof(JsonRpcMessage)));
        if (message is JsonRpcRequest { Params: { } parameters } request)
        {
            var call = parameters.Deserialize((System.Text.Json.Serialization.Metadata.JsonTypeInfo<CallToolRequestParams>)json.GetTypeInfo(typeof(CallToolRequestParams)));
            var response = new JsonRpcResponse
            {
                Id = request.Id,
                Result = JsonSerializer.SerializeToNode(new CallToolResult { Content = [new TextContentBlock { Text = call?.Name ?? string.Empty }] }, json.GetTypeInfo(typeof(CallToolResult))),
            };
            _ = JsonSerializer.SerializeToUtf8Bytes(response, json.GetTypeInfo(typeof(JsonRpcMessage)));
        }
    }
}

/// <summary>How the warm-up ended.</summary>
internal enum WarmUpStatus
{
    /// <summary>Every round ran.</summary>
    Completed,

    /// <summary><c>Msil:Mcp:WarmUp:Enabled</c> is false.</summary>
    Skipped,

    /// <summary><c>Msil:Mcp:WarmUp:TimeoutSeconds</c> elapsed first.</summary>
    TimedOut,

    /// <summary>Something threw; the server serves cold.</summary>
    Failed,
}

/// <summary>The warm-up's outcome: how it ended, how many synthetic calls ran, how long it took.</summary>
internal sealed record WarmUpResult(WarmUpStatus Status, int Calls, TimeSpan Elapsed);
