using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Tasks;
using Msil.Mcp.Tests.Hosting;
using Msil.Mcp.Tests.Pipeline;

namespace Msil.Mcp.Tests.Tasks;

/// <summary>
/// The tasks extension (SEP-2663) through the governed pipeline, over a real host and raw 2026-07-28 JSON-RPC: every
/// governance stage runs inline, then the call becomes a task (tasks/get, tasks/update, tasks/cancel) or answers inline.
/// </summary>
public sealed class ToolTaskTests
{
    private const string Revision = "2026-07-28";
    private const string Extension = "io.modelcontextprotocol/tasks";

    /// <summary>
    /// The task's end record: written before the task turns terminal in the store (audit is the outermost step for
    /// tasks too), so a poll that sees the terminal state finds exactly one, with no waiting.
    /// </summary>
    private static Task<AuditRecord> TaskRecordAsync(RecordingAudit audit)
        => Task.FromResult(Assert.Single(audit.Records, r => r.Action == AuditActions.ToolTask));

    private static readonly JsonElement NameSchema = JsonDocument.Parse("""{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}""").RootElement.Clone();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static Task<TestHost> StartAsync(ScriptedExecutor executor, RecordingAudit audit, RecordingPolicy? policy = null, Action<ToolTaskOptions>? tasks = null, Action<MsilMcpOptions>? options = null)
        => TestHost.StartAsync(mcp =>
        {
            var log = new StageLog();
            mcp.Services.AddSingleton(log);
            mcp.Services.AddSingleton(policy ?? new RecordingPolicy(log));
            mcp.Services.AddSingleton(audit);
            mcp.Services.AddSingleton(executor);
            if (tasks is not null)
            {
                mcp.Services.Configure(tasks);
            }

            mcp.UsePolicyDecisionPoint<RecordingPolicyAdapter>();
            mcp.UseAuditSink<RecordingAuditAdapter>();
            mcp.AddToolExecutor<ScriptedExecutorAdapter>();
            mcp.AddTools("test",
            [
                Define("job", ToolTaskSupport.Optional),
                Define("required_job", ToolTaskSupport.Required),
                Define("sync_only", ToolTaskSupport.None),
            ]);
        },
        options);

    private static ToolDefinition Define(string name, ToolTaskSupport support)
        => Tools.Define(name, RiskLevel.Read, """{"type":"object","properties":{}}""") with { Executor = ScriptedExecutor.Kind, TaskSupport = support };

    /// <summary>Becomes a task at once, then waits for <paramref name="gate"/> and answers its text.</summary>
    private static ScriptedExecutor Gated(TaskCompletionSource<ToolResult> gate) => new(async (invocation, ct) =>
    {
        await invocation.Context!.RunAsTaskAsync(ct);
        Assert.NotNull(invocation.Context.TaskId);
        return await gate.Task.WaitAsync(ct);
    });

    [Fact]
    public async Task CallTool_TaskSupportingToolForNegotiatedClient_ReturnsFlatCreateTaskResultThenCompletesWithInlinedResult()
    {
        var audit = new RecordingAudit(new StageLog());
        var gate = new TaskCompletionSource<ToolResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await StartAsync(Gated(gate), audit);
        using var http = new HttpClient();

        var created = Result(await CallAsync(http, host, "job", "bob"));

        Assert.Equal("task", (string?)created["resultType"]);
        Assert.Equal("working", (string?)created["status"]);
        var taskId = (string)created["taskId"]!;
        Assert.True(DateTimeOffset.TryParse((string?)created["createdAt"], out _));
        Assert.True(DateTimeOffset.TryParse((string?)created["lastUpdatedAt"], out _));
        Assert.Equal(3_600_000, (long)created["ttlMs"]!);
        Assert.Equal(500, (int)created["pollIntervalMs"]!);
        foreach (var absent in new[] { "task", "requestState", "inputRequests", "ttl", "pollInterval", "result", "error", "content" })
        {
            Assert.False(created.ContainsKey(absent), absent);
        }

        var working = Result(await SendAsync(http, host, "tasks/get", new JsonObject { ["taskId"] = taskId }, "bob", taskId));
        Assert.Equal("complete", (string?)working["resultType"]);
        Assert.Equal(taskId, (string?)working["taskId"]);
        Assert.Equal("working", (string?)working["status"]);
        Assert.False(working.ContainsKey("result"));

        gate.SetResult(new ToolResult { Text = "done", Size = 4 });
        var completed = await WaitTerminalAsync(http, host, taskId, "bob");

        Assert.Equal("completed", (string?)completed["status"]);
        Assert.Equal("done", (string?)completed["result"]!["content"]![0]!["text"]);
        Assert.False(completed.ContainsKey("requestState"));
        Assert.False(completed["result"]!.AsObject().ContainsKey("_meta"));
        await TaskRecordAsync(audit);
        var records = audit.Records;
        var create = Assert.Single(records, r => r.Action == AuditActions.ToolCall);
        Assert.Equal(AuditOutcomes.TaskCreated, create.Outcome);
        Assert.Contains(taskId, create.Detail, StringComparison.Ordinal);
        var end = Assert.Single(records, r => r.Action == AuditActions.ToolTask);
        Assert.Equal(AuditOutcomes.Success, end.Outcome);
        Assert.Equal(create.CorrelationId, end.CorrelationId);
        Assert.Equal(4, end.ResultSize);
        Assert.Contains(taskId, end.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallTool_ExecutorFinishesWithinTheWindow_AnswersInlineWithoutATask()
    {
        var audit = new RecordingAudit(new StageLog());
        await using var host = await StartAsync(new((_, _) => new(new ToolResult { Text = "quick" })), audit);
        using var http = new HttpClient();

        var result = Result(await CallAsync(http, host, "job", "bob"));

        Assert.Equal("quick", (string?)result["content"]![0]!["text"]);
        Assert.False(result.ContainsKey("taskId"));
        Assert.NotEqual("task", (string?)result["resultType"]);
        Assert.Equal(AuditOutcomes.Success, Assert.Single(audit.Records).Outcome);
        Assert.Equal(0, await host.Services.GetRequiredService<IToolTaskStore>().CountActiveAsync("sub-bob", Ct));
    }

    [Fact]
    public async Task CallTool_ToolErrorInsideTask_IsCompletedWithIsError()
    {
        var audit = new RecordingAudit(new StageLog());
        var gate = new TaskCompletionSource<ToolResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await StartAsync(Gated(gate), audit);
        using var http = new HttpClient();
        var taskId = (string)Result(await CallAsync(http, host, "job", "bob"))["taskId"]!;

        gate.SetResult(new ToolResult { Text = "backend refused", IsError = true });
        var done = await WaitTerminalAsync(http, host, taskId, "bob");

        Assert.Equal("completed", (string?)done["status"]);
        Assert.True((bool)done["result"]!["isError"]!);
        Assert.Equal(AuditOutcomes.ToolError, (await TaskRecordAsync(audit)).Outcome);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task CallTool_ExceptionInsideTask_IsFailedWithJsonRpcErrorAndNoResultNorSecret(bool protocolError)
    {
        var audit = new RecordingAudit(new StageLog());
        var gate = new TaskCompletionSource<ToolResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await StartAsync(Gated(gate), audit);
        using var http = new HttpClient();
        var taskId = (string)Result(await CallAsync(http, host, "job", "bob"))["taskId"]!;

        gate.SetException(protocolError
            ? new McpProtocolException("backend protocol broke", McpErrorCode.InvalidParams)
            : new InvalidOperationException("connection string Password=hunter2"));
        var done = await WaitTerminalAsync(http, host, taskId, "bob");

        Assert.Equal("failed", (string?)done["status"]);
        Assert.False(done.ContainsKey("result"));
        Assert.Equal(protocolError ? -32602 : -32603, (int)done["error"]!["code"]!);
        var message = (string)done["error"]!["message"]!;
        Assert.DoesNotContain("hunter2", message, StringComparison.Ordinal);
        Assert.Equal(protocolError, message.Contains("backend protocol broke", StringComparison.Ordinal));
        var end = await TaskRecordAsync(audit);
        Assert.Equal(AuditOutcomes.Failed, end.Outcome);
        Assert.DoesNotContain("hunter2", end.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancelTask_RunningTask_AcksEmptyCancelsTheExecutorAndSettlesToCancelled()
    {
        var audit = new RecordingAudit(new StageLog());
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await StartAsync(new(async (invocation, ct) =>
        {
            await invocation.Context!.RunAsTaskAsync(ct);
            using var registration = ct.Register(cancelled.SetResult);
            await Task.Delay(Timeout.Infinite, ct);
            return new ToolResult { Text = "never" };
        }), audit);
        using var http = new HttpClient();
        var taskId = (string)Result(await CallAsync(http, host, "job", "bob"))["taskId"]!;

        var ack = Result(await SendAsync(http, host, "tasks/cancel", new JsonObject { ["taskId"] = taskId }, "bob", taskId));
        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var done = await WaitTerminalAsync(http, host, taskId, "bob");
        var again = Result(await SendAsync(http, host, "tasks/cancel", new JsonObject { ["taskId"] = taskId }, "bob", taskId));

        AssertAck(ack);
        Assert.Equal("cancelled", (string?)done["status"]);
        AssertAck(again); // idempotent on a terminal task
        Assert.Equal(AuditOutcomes.Cancelled, (await TaskRecordAsync(audit)).Outcome);
        Assert.Equal(2, audit.Records.Count(r => r.Action == AuditActions.ToolTaskCancel));
    }

    [Fact]
    public async Task UpdateTask_PartialThenComplete_KeepsInputRequiredUntilEveryKeyIsAnsweredThenCallsTheExecutorAgainWithItsState()
    {
        var audit = new RecordingAudit(new StageLog());
        var rounds = new List<string>();
        await using var host = await StartAsync(new(async (invocation, ct) =>
        {
            var context = invocation.Context!;
            await context.RunAsTaskAsync(ct);
            lock (rounds)
            {
                rounds.Add(context.RequestState ?? "-");
            }

            if (context.RequestState == "server-side-state-x1"
                && context.TryGetElicitationResponse("first", out var first) && context.TryGetElicitationResponse("second", out var second))
            {
                return new ToolResult { Text = first.Content!.Value.GetProperty("name").GetString() + "+" + second.Content!.Value.GetProperty("name").GetString() };
            }

            throw new ToolInputRequiredException(
                new Dictionary<string, ToolInputRequest>
                {
                    ["first"] = ToolInputRequest.Elicitation("First?", NameSchema),
                    ["second"] = ToolInputRequest.Elicitation("Second?", NameSchema),
                },
                "server-side-state-x1");
        }), audit);
        using var http = new HttpClient();
        var taskId = (string)Result(await CallAsync(http, host, "job", "bob"))["taskId"]!;

        var parked = await WaitStatusAsync(http, host, taskId, "bob", "input_required");
        Assert.Equal(["first", "second"], parked["inputRequests"]!.AsObject().Select(p => p.Key).Order());
        Assert.Equal("elicitation/create", (string?)parked["inputRequests"]!["first"]!["method"]);
        Assert.Equal("First?", (string?)parked["inputRequests"]!["first"]!["params"]!["message"]);
        Assert.DoesNotContain("server-side-state-x1", parked.ToJsonString(), StringComparison.Ordinal);

        var ack = Result(await UpdateAsync(http, host, taskId, "bob", new JsonObject { ["first"] = Accept("Ada"), ["unknown"] = Accept("x") }));
        var partial = Result(await SendAsync(http, host, "tasks/get", new JsonObject { ["taskId"] = taskId }, "bob", taskId));
        AssertAck(ack);
        Assert.Equal("input_required", (string?)partial["status"]);
        Assert.Equal(["second"], partial["inputRequests"]!.AsObject().Select(p => p.Key));

        await UpdateAsync(http, host, taskId, "bob", new JsonObject { ["second"] = Accept("Lin") });
        var done = await WaitTerminalAsync(http, host, taskId, "bob");

        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal("Ada+Lin", (string?)done["result"]!["content"]![0]!["text"]);
        Assert.Equal(["-", "server-side-state-x1"], rounds);
    }

    [Fact]
    public async Task CancelTask_WaitingForInput_SettlesToCancelledWithoutCallingTheExecutorAgain()
    {
        var audit = new RecordingAudit(new StageLog());
        var runs = 0;
        await using var host = await StartAsync(new(async (invocation, ct) =>
        {
            Interlocked.Increment(ref runs);
            await invocation.Context!.RunAsTaskAsync(ct);
            throw new ToolInputRequiredException(new Dictionary<string, ToolInputRequest> { ["confirm"] = ToolInputRequest.Elicitation("Sure?", NameSchema) });
        }), audit);
        using var http = new HttpClient();
        var taskId = (string)Result(await CallAsync(http, host, "job", "bob"))["taskId"]!;
        await WaitStatusAsync(http, host, taskId, "bob", "input_required");

        await SendAsync(http, host, "tasks/cancel", new JsonObject { ["taskId"] = taskId }, "bob", taskId);
        var done = await WaitTerminalAsync(http, host, taskId, "bob");
        var late = Result(await UpdateAsync(http, host, taskId, "bob", new JsonObject { ["confirm"] = Accept("x") }));

        Assert.Equal("cancelled", (string?)done["status"]);
        Assert.False(done.ContainsKey("inputRequests"));
        AssertAck(late); // answering an ended task is acknowledged and ignored
        Assert.Equal(1, runs);
        Assert.Equal(AuditOutcomes.Cancelled, (await TaskRecordAsync(audit)).Outcome);
    }

    [Fact]
    public async Task UpdateTask_AnswerThatIsNotAnObjectOrTooLarge_IsRefusedAndTheTaskKeepsWaiting()
    {
        var audit = new RecordingAudit(new StageLog());
        var runs = 0;
        await using var host = await StartAsync(new(async (invocation, ct) =>
        {
            Interlocked.Increment(ref runs);
            await invocation.Context!.RunAsTaskAsync(ct);
            throw new ToolInputRequiredException(new Dictionary<string, ToolInputRequest> { ["confirm"] = ToolInputRequest.Elicitation("Sure?", NameSchema) });
        }), audit, options: o => o.MaxArgumentBytes = 1024);
        using var http = new HttpClient();
        var taskId = (string)Result(await CallAsync(http, host, "job", "bob"))["taskId"]!;
        await WaitStatusAsync(http, host, taskId, "bob", "input_required");

        var number = await UpdateAsync(http, host, taskId, "bob", new JsonObject { ["confirm"] = 12345 });
        var large = await UpdateAsync(http, host, taskId, "bob", new JsonObject { ["confirm"] = Accept(new string('x', 1100)) });
        var still = Result(await SendAsync(http, host, "tasks/get", new JsonObject { ["taskId"] = taskId }, "bob", taskId));

        Assert.Equal(-32602, (int?)number["error"]?["code"]);
        Assert.Contains("inputResponses['confirm'] must be an object", (string?)number["error"]?["message"], StringComparison.Ordinal);
        Assert.Equal(-32602, (int?)large["error"]?["code"]);
        Assert.Contains("Msil:Mcp:MaxArgumentBytes", (string?)large["error"]?["message"], StringComparison.Ordinal);
        Assert.Equal("input_required", (string?)still["status"]);
        Assert.Equal(1, runs);
    }

    [Fact]
    public async Task TasksMethods_ClientWithoutTheExtension_AreRefusedWithMissingCapability()
    {
        var audit = new RecordingAudit(new StageLog());
        await using var host = await StartAsync(new((_, _) => new(new ToolResult { Text = "x" })), audit);
        using var http = new HttpClient();

        foreach (var method in new[] { "tasks/get", "tasks/update", "tasks/cancel" })
        {
            var parameters = new JsonObject { ["taskId"] = "t1" };
            if (method == "tasks/update")
            {
                parameters["inputResponses"] = new JsonObject();
            }

            var response = await SendAsync(http, host, method, parameters, "bob", "t1", withExtension: false);

            Assert.Equal(-32021, (int?)response["error"]?["code"]);
        }
    }

    [Fact]
    public async Task CallTool_PerRequestOptIn_DecidesWhetherAnOptionalToolBecomesATask()
    {
        var audit = new RecordingAudit(new StageLog());
        var contexts = new List<(bool CanRunAsTask, string? TaskId)>();
        await using var host = await StartAsync(new(async (invocation, ct) =>
        {
            var context = invocation.Context!;
            await context.RunAsTaskAsync(ct);
            lock (contexts)
            {
                contexts.Add((context.CanRunAsTask, context.TaskId));
            }

            return new ToolResult { Text = "ran" };
        }), audit);
        using var http = new HttpClient();

        var inline = Result(await CallAsync(http, host, "job", "bob", withExtension: false));
        var task = Result(await CallAsync(http, host, "job", "bob"));

        Assert.Equal("ran", (string?)inline["content"]![0]!["text"]); // RunAsTaskAsync returned at once: no task possible
        Assert.False(inline.ContainsKey("taskId"));
        Assert.Equal("task", (string?)task["resultType"]);
        Assert.Equal((false, (string?)null), contexts[0]);
        Assert.True(contexts.Count == 1 || contexts[1].TaskId == (string?)task["taskId"]);
    }

    [Fact]
    public async Task CallTool_CSharpSdkClientWithoutTheExtension_OptionalToolRunsInlineAndRequiredToolIsRefusedWith32021()
    {
        var audit = new RecordingAudit(new StageLog());
        await using var host = await StartAsync(new(async (invocation, ct) =>
        {
            await invocation.Context!.RunAsTaskAsync(ct); // cannot become a task: returns at once, the call stays inline
            return new ToolResult { Text = "inline " + (invocation.Context.TaskId ?? "-") };
        }), audit);
        await using var client = await host.ConnectAsync(new ModelContextProtocol.Client.McpClientOptions { ProtocolVersion = Revision }, "bob", "operator");

        var result = await client.CallToolAsync("job", new Dictionary<string, object?>(), cancellationToken: Ct);
        // The SDK's HTTP transport (2.4.0) answers -32021 with status 400, which its client reports as HttpRequestException.
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => client.CallToolAsync("required_job", new Dictionary<string, object?>(), cancellationToken: Ct).AsTask());

        Assert.Equal("inline -", Assert.IsType<ModelContextProtocol.Protocol.TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Contains("-32021", refused.Message, StringComparison.Ordinal);
        Assert.Contains(Extension, refused.Message, StringComparison.Ordinal);
        Assert.Equal([AuditOutcomes.Success, AuditOutcomes.TaskRequired], audit.Records.Select(r => r.Outcome));
    }

    [Fact]
    public async Task CallTool_RequiredToolWithoutTheExtension_IsRefusedWith32021NamingTheExtensionAndAudited()
    {
        var audit = new RecordingAudit(new StageLog());
        var ran = false;
        await using var host = await StartAsync(new((_, _) =>
        {
            ran = true;
            return new(new ToolResult { Text = "x" });
        }), audit);
        using var http = new HttpClient();

        var response = await CallAsync(http, host, "required_job", "bob", withExtension: false);

        Assert.Equal(-32021, (int?)response["error"]!["code"]);
        Assert.NotNull(response["error"]!["data"]!["requiredCapabilities"]!["extensions"]![Extension]);
        Assert.False(ran);
        Assert.Equal(AuditOutcomes.TaskRequired, Assert.Single(audit.Records).Outcome);
    }

    [Fact]
    public async Task TasksGet_UnknownOrAnotherCallersTask_IsInvalidParams()
    {
        var audit = new RecordingAudit(new StageLog());
        var gate = new TaskCompletionSource<ToolResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await StartAsync(Gated(gate), audit);
        using var http = new HttpClient();
        var taskId = (string)Result(await CallAsync(http, host, "job", "bob"))["taskId"]!;

        var unknown = await SendAsync(http, host, "tasks/get", new JsonObject { ["taskId"] = "nope" }, "bob", "nope");
        var foreign = await SendAsync(http, host, "tasks/get", new JsonObject { ["taskId"] = taskId }, "mallory", taskId);
        var foreignCancel = await SendAsync(http, host, "tasks/cancel", new JsonObject { ["taskId"] = taskId }, "mallory", taskId);
        var removed = await SendAsync(http, host, "tasks/result", new JsonObject { ["taskId"] = taskId }, "bob", taskId);
        var listed = await SendAsync(http, host, "tasks/list", new JsonObject(), "bob", null);

        Assert.Equal(-32602, (int?)unknown["error"]!["code"]);
        Assert.Equal(-32602, (int?)foreign["error"]!["code"]);
        Assert.Equal(-32602, (int?)foreignCancel["error"]!["code"]);
        Assert.Equal((string?)unknown["error"]!["message"], ((string?)foreign["error"]!["message"])!.Replace(taskId, "nope", StringComparison.Ordinal));
        Assert.Equal(-32601, (int?)removed["error"]!["code"]);
        Assert.Equal(-32601, (int?)listed["error"]!["code"]);
        var still = Result(await SendAsync(http, host, "tasks/get", new JsonObject { ["taskId"] = taskId }, "bob", taskId));
        Assert.Equal("working", (string?)still["status"]); // mallory's cancel did nothing
        gate.SetResult(new ToolResult { Text = "ok" });
    }

    [Fact]
    public async Task TasksGet_SameUserNameOfAnotherIssuer_IsInvalidParams()
    {
        // Issue #17 item 8: task ownership was keyed by preferred_username, which another issuer may also have.
        var audit = new RecordingAudit(new StageLog());
        var gate = new TaskCompletionSource<ToolResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await StartAsync(Gated(gate), audit);
        using var http = new HttpClient();
        var taskId = (string)Result(await CallAsync(http, host, "job", "bob#https://idp-a.example"))["taskId"]!;

        var foreign = await SendAsync(http, host, "tasks/get", new JsonObject { ["taskId"] = taskId }, "bob#https://idp-b.example", taskId);
        var foreignCancel = await SendAsync(http, host, "tasks/cancel", new JsonObject { ["taskId"] = taskId }, "bob#https://idp-b.example", taskId);
        var own = Result(await SendAsync(http, host, "tasks/get", new JsonObject { ["taskId"] = taskId }, "bob#https://idp-a.example", taskId));

        Assert.Equal(-32602, (int?)foreign["error"]!["code"]);
        Assert.Equal(-32602, (int?)foreignCancel["error"]!["code"]);
        Assert.Equal("working", (string?)own["status"]);
        gate.SetResult(new ToolResult { Text = "ok" });
    }

    [Fact]
    public async Task CallTool_PolicyDenies_NoTaskIsCreatedAndTheExecutorDoesNotRun()
    {
        var log = new StageLog();
        var audit = new RecordingAudit(log);
        var policy = new RecordingPolicy(log) { Decide = _ => PolicyDecision.Denied("not today", "test") };
        var ran = false;
        await using var host = await StartAsync(new((_, _) =>
        {
            ran = true;
            return new(new ToolResult { Text = "x" });
        }), audit, policy);
        using var http = new HttpClient();

        var response = await CallAsync(http, host, "job", "bob");

        Assert.NotNull(response["error"]);
        Assert.False(ran);
        Assert.Equal(0, await host.Services.GetRequiredService<IToolTaskStore>().CountActiveAsync("sub-bob", Ct));
        Assert.Equal(AuditOutcomes.Denied, Assert.Single(audit.Records).Outcome);
    }

    [Fact]
    public async Task CallTool_CallerAtMaxActivePerCaller_IsRefusedNamingTheKeyBeforeTheExecutorRuns()
    {
        var audit = new RecordingAudit(new StageLog());
        var gate = new TaskCompletionSource<ToolResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;
        await using var host = await StartAsync(
            new(async (invocation, ct) =>
            {
                Interlocked.Increment(ref runs);
                await invocation.Context!.RunAsTaskAsync(ct);
                return await gate.Task.WaitAsync(ct);
            }),
            audit,
            tasks: o => o.MaxActivePerCaller = 1);
        using var http = new HttpClient();
        Assert.Equal("task", (string?)Result(await CallAsync(http, host, "job", "bob"))["resultType"]);

        var refused = await CallAsync(http, host, "job", "bob");
        var otherCaller = Result(await CallAsync(http, host, "job", "alice"));

        Assert.Contains("Msil:Mcp:Tasks:MaxActivePerCaller", (string?)refused["error"]!["message"], StringComparison.Ordinal);
        Assert.Equal("task", (string?)otherCaller["resultType"]);
        Assert.Equal(2, runs);
        gate.SetResult(new ToolResult { Text = "ok" });
    }

    [Fact]
    public async Task StopHost_RunningTask_IsCancelledAndEndsFailedWithItsOwnAuditRecord()
    {
        var audit = new RecordingAudit(new StageLog());
        var observed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var host = await StartAsync(new(async (invocation, ct) =>
        {
            await invocation.Context!.RunAsTaskAsync(ct);
            using var registration = ct.Register(observed.SetResult);
            await Task.Delay(Timeout.Infinite, ct);
            return new ToolResult { Text = "never" };
        }), audit);
        var store = host.Services.GetRequiredService<IToolTaskStore>();
        string taskId;
        using (var http = new HttpClient())
        {
            taskId = (string)Result(await CallAsync(http, host, "job", "bob"))["taskId"]!;
        }

        await host.DisposeAsync();

        Assert.True(observed.Task.IsCompleted);
        var record = await store.GetAsync(taskId, Ct);
        Assert.Equal(ToolTaskStatus.Failed, record!.Status);
        Assert.Contains("shut down", record.ErrorMessage, StringComparison.Ordinal);
        var end = await TaskRecordAsync(audit);
        Assert.Equal(AuditOutcomes.Failed, end.Outcome);
    }

    [Fact]
    public async Task ListTools_TaskSupportingTools_AdvertiseTheirTaskSupportAndTheServerTheExtension()
    {
        var audit = new RecordingAudit(new StageLog());
        await using var host = await StartAsync(new((_, _) => new(new ToolResult { Text = "x" })), audit);
        using var http = new HttpClient();

        var tools = Result(await SendAsync(http, host, "tools/list", new JsonObject(), "bob", null))["tools"]!.AsArray();
        var discover = Result(await SendAsync(http, host, "server/discover", new JsonObject(), "bob", null));

        string? Support(string name) => (string?)tools.Single(t => (string?)t!["name"] == name)!["_meta"]?[Extension]?["taskSupport"];
        Assert.Equal("optional", Support("job"));
        Assert.Equal("required", Support("required_job"));
        Assert.Null(Support("sync_only"));
        Assert.NotNull(discover["capabilities"]!["extensions"]![Extension]);
        Assert.Null(discover["capabilities"]!["tasks"]);
    }

    /// <summary>An empty acknowledgement: <c>resultType:"complete"</c> and no task envelope (the SDK may add <c>_meta</c>).</summary>
    private static void AssertAck(JsonObject ack)
    {
        Assert.Equal("complete", (string?)ack["resultType"]);
        Assert.Empty(ack.Select(p => p.Key).Except(["resultType", "_meta"]));
    }

    private static JsonObject Accept(string name) => new() { ["action"] = "accept", ["content"] = new JsonObject { ["name"] = name } };

    internal static JsonObject Result(JsonObject response)
        => response["result"]?.AsObject() ?? throw new Xunit.Sdk.XunitException("Expected a result, got " + response.ToJsonString());

    internal static Task<JsonObject> CallAsync(HttpClient http, TestHost host, string tool, string user, bool withExtension = true)
        => SendAsync(http, host, "tools/call", new JsonObject { ["name"] = tool, ["arguments"] = new JsonObject() }, user, tool, withExtension);

    private static Task<JsonObject> UpdateAsync(HttpClient http, TestHost host, string taskId, string user, JsonObject responses)
        => SendAsync(http, host, "tasks/update", new JsonObject { ["taskId"] = taskId, ["inputResponses"] = responses }, user, taskId);

    internal static async Task<JsonObject> WaitTerminalAsync(HttpClient http, TestHost host, string taskId, string user)
    {
        for (var i = 0; i < 600; i++)
        {
            var task = Result(await SendAsync(http, host, "tasks/get", new JsonObject { ["taskId"] = taskId }, user, taskId));
            if ((string?)task["status"] is "completed" or "failed" or "cancelled")
            {
                return task;
            }

            await Task.Delay(50, Ct);
        }

        throw new Xunit.Sdk.XunitException($"Task {taskId} did not end.");
    }

    private static async Task<JsonObject> WaitStatusAsync(HttpClient http, TestHost host, string taskId, string user, string status)
    {
        for (var i = 0; i < 600; i++)
        {
            var task = Result(await SendAsync(http, host, "tasks/get", new JsonObject { ["taskId"] = taskId }, user, taskId));
            if ((string?)task["status"] == status)
            {
                return task;
            }

            await Task.Delay(50, Ct);
        }

        throw new Xunit.Sdk.XunitException($"Task {taskId} never reached {status}.");
    }

    /// <summary>One stateless 2026-07-28 request over raw HTTP JSON-RPC, declaring the tasks extension or not.</summary>
    internal static async Task<JsonObject> SendAsync(HttpClient http, TestHost host, string method, JsonObject parameters, string user, string? name, bool withExtension = true)
    {
        var capabilities = new JsonObject { ["elicitation"] = new JsonObject() };
        if (withExtension)
        {
            capabilities["extensions"] = new JsonObject { [Extension] = new JsonObject() };
        }

        parameters["_meta"] = new JsonObject
        {
            ["io.modelcontextprotocol/protocolVersion"] = Revision,
            ["io.modelcontextprotocol/clientInfo"] = new JsonObject { ["name"] = "raw-test", ["version"] = "1.0.0" },
            ["io.modelcontextprotocol/clientCapabilities"] = capabilities,
        };
        var body = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = method, ["params"] = parameters };
        using var request = new HttpRequestMessage(HttpMethod.Post, host.BaseUrl + "/mcp")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.Add("MCP-Protocol-Version", Revision);
        request.Headers.Add("Mcp-Method", method);
        if (name is not null)
        {
            request.Headers.Add("Mcp-Name", name);
        }

        request.Headers.Add(Msil.Mcp.Testing.TestAuthenticationDefaults.HeaderName, Caller(user).ToHeaderValue());
        using var response = await http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            text = text.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].Trim()).Last(l => l.Contains("\"id\":1", StringComparison.Ordinal));
        }

        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>A test caller with role operator; <c>name#issuer</c> names one from that issuer (the same name may come from two).</summary>
    internal static Msil.Mcp.Testing.TestCaller Caller(string user)
        => user.Split('#') is [var name, var issuer]
            ? Msil.Mcp.Testing.TestCaller.Create(name, "operator").FromIssuer(issuer)
            : Msil.Mcp.Testing.TestCaller.Create(user, "operator");
}
