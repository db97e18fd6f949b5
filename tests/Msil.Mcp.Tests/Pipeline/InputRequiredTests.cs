using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Tests.Hosting;

namespace Msil.Mcp.Tests.Pipeline;

/// <summary>
/// Multi-round-trip calls (MRTR, SEP-2322) through the governed pipeline: an executor throws
/// <see cref="ToolInputRequiredException"/>, the client gets an input-required result (not a tool error), and the retry
/// passes every stage again with the answers and the verified request state; a tampered, replayed or expired state is refused.
/// </summary>
public sealed class InputRequiredTests
{
    private const string Revision = "2026-07-28";

    private static readonly JsonElement NameSchema = JsonDocument.Parse("""{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}""").RootElement.Clone();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Asks for a name with state "state-in-clear-s1" (long enough never to occur by chance in the protected form); greets once the answer and the state come back.</summary>
    private static ScriptedExecutor Greeter(List<string>? runs = null)
    {
        runs ??= [];
        return new((invocation, _) =>
        {
            var context = invocation.Context!;
            Assert.True(context.SupportsInputRequests); // every test session can carry an input-required result
            lock (runs)
            {
                runs.Add(context.RequestState ?? "-");
            }

            if (context.RequestState == "state-in-clear-s1" && context.TryGetElicitationResponse("user_name", out var answer)
                && answer.Content?.GetProperty("name").GetString() is { } name)
            {
                return new(new ToolResult { Text = $"Hello, {name}!" });
            }

            throw new ToolInputRequiredException(
                new Dictionary<string, ToolInputRequest> { ["user_name"] = ToolInputRequest.Elicitation("What is your name?", NameSchema) },
                "state-in-clear-s1");
        });
    }

    private static Task<TestHost> StartAsync(ScriptedExecutor executor, RecordingAudit audit, RecordingPolicy? policy = null, TimeProvider? time = null, McpSessionMode mode = McpSessionMode.Stateless)
        => TestHost.StartAsync(
            mcp =>
            {
                var log = new StageLog();
                mcp.Services.AddSingleton(log);
                mcp.Services.AddSingleton(policy ?? new RecordingPolicy(log));
                mcp.Services.AddSingleton(audit);
                mcp.Services.AddSingleton(executor);
                if (time is not null)
                {
                    mcp.Services.AddSingleton<TimeProvider>(time);
                }

                mcp.UsePolicyDecisionPoint<RecordingPolicyAdapter>();
                mcp.UseAuditSink<RecordingAuditAdapter>();
                mcp.AddToolExecutor<ScriptedExecutorAdapter>();
                mcp.AddTools("test",
                [
                    Tools.Define("work", RiskLevel.Read, """{"type":"object","properties":{}}""") with { Executor = ScriptedExecutor.Kind },
                    Tools.Define("other", RiskLevel.Read, """{"type":"object","properties":{}}""") with { Executor = ScriptedExecutor.Kind },
                ]);
            },
            o => o.SessionMode = mode);

    [Fact]
    public async Task CallTool_CSharpClientAt20260728_FulfilsTheInputRequestAndTheRetryPassesPolicyAndAuditAgain()
    {
        var log = new StageLog();
        var audit = new RecordingAudit(log);
        var policy = new RecordingPolicy(log);
        var runs = new List<string>();
        await using var host = await StartAsync(Greeter(runs), audit, policy);
        var asked = new List<string>();
        var options = new McpClientOptions
        {
            ProtocolVersion = Revision,
            Handlers = new McpClientHandlers
            {
                ElicitationHandler = (request, _) =>
                {
                    lock (asked)
                    {
                        asked.Add(request!.Message);
                    }

                    return ValueTask.FromResult(new ElicitResult
                    {
                        Action = "accept",
                        Content = new Dictionary<string, JsonElement> { ["name"] = JsonSerializer.SerializeToElement("Ada") },
                    });
                },
            },
        };
        await using var client = await host.ConnectAsync(options, "bob", "operator");

        var result = await client.CallToolAsync("work", new Dictionary<string, object?>(), cancellationToken: Ct);

        Assert.Equal(Revision, client.NegotiatedProtocolVersion);
        Assert.NotEqual(true, result.IsError);
        Assert.Equal("Hello, Ada!", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Equal(["What is your name?"], asked);
        Assert.Equal(["-", "state-in-clear-s1"], runs);
        Assert.Equal(["policy:work", "audit:input_required", "policy:work", "audit:success"], log.Entries);
        var first = audit.Records[0];
        Assert.Equal(AuditOutcomes.InputRequired, first.Outcome);
        Assert.Equal("input requested: user_name (elicitation/create)", first.Detail);
    }

    [Fact]
    public async Task CallTool_StatefulClientBefore20260728_TheSdkFulfilsTheInputRequestAndRetriesThroughTheGovernedPipeline()
    {
        var log = new StageLog();
        var audit = new RecordingAudit(log);
        var runs = new List<string>();
        await using var host = await StartAsync(Greeter(runs), audit, new RecordingPolicy(log), mode: McpSessionMode.Stateful);
        var options = new McpClientOptions
        {
            ProtocolVersion = "2025-11-25",
            Handlers = new McpClientHandlers
            {
                ElicitationHandler = (_, _) => ValueTask.FromResult(new ElicitResult
                {
                    Action = "accept",
                    Content = new Dictionary<string, JsonElement> { ["name"] = JsonSerializer.SerializeToElement("Lin") },
                }),
            },
        };
        await using var client = await host.ConnectAsync(options, "bob", "operator");

        var result = await client.CallToolAsync("work", new Dictionary<string, object?>(), cancellationToken: Ct);

        Assert.Equal("Hello, Lin!", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Equal(["-", "state-in-clear-s1"], runs);
        Assert.Equal(["policy:work", "audit:input_required", "policy:work", "audit:success"], log.Entries);
    }

    [Fact]
    public async Task CallTool_RawAt20260728_ReturnsInputRequiredResultWithOpaqueStateAndCompletesOnTheRetry()
    {
        var audit = new RecordingAudit(new StageLog());
        await using var host = await StartAsync(Greeter(), audit);
        using var http = new HttpClient();

        var first = await CallAsync(http, host, "work", "bob");
        var result = first["result"]!;
        Assert.Equal("input_required", (string?)result["resultType"]);
        Assert.Equal("elicitation/create", (string?)result["inputRequests"]!["user_name"]!["method"]);
        Assert.Equal("What is your name?", (string?)result["inputRequests"]!["user_name"]!["params"]!["message"]);
        var state = (string?)result["requestState"];
        Assert.False(string.IsNullOrEmpty(state));
        Assert.DoesNotContain("state-in-clear-s1", state, StringComparison.Ordinal); // the executor's state never leaves in clear
        Assert.Null(result["isError"]);

        var second = await CallAsync(http, host, "work", "bob", state, AcceptName("Grace"));

        Assert.Equal("Hello, Grace!", (string?)second["result"]!["content"]![0]!["text"]);
        Assert.Equal([AuditOutcomes.InputRequired, AuditOutcomes.Success], audit.Records.Select(r => r.Outcome));
    }

    [Theory]
    [InlineData("tampered")]
    [InlineData("other-caller")]
    [InlineData("other-tool")]
    [InlineData("garbage")]
    public async Task CallTool_StateTamperedOrReplayed_IsRefusedAsInvalidParamsBeforeTheExecutorRuns(string attack)
    {
        var audit = new RecordingAudit(new StageLog());
        var runs = new List<string>();
        await using var host = await StartAsync(Greeter(runs), audit);
        using var http = new HttpClient();
        var state = (string)(await CallAsync(http, host, "work", "bob"))["result"]!["requestState"]!;

        var (tool, user, echoed) = attack switch
        {
            "tampered" => ("work", "bob", Flip(state)),
            "other-caller" => ("work", "mallory", state),
            "other-tool" => ("other", "bob", state),
            _ => ("work", "bob", "not-base64url!"),
        };
        var refused = await CallAsync(http, host, tool, user, echoed, AcceptName("Eve"));

        Assert.Null(refused["result"]);
        Assert.Equal(-32602, (int?)refused["error"]!["code"]);
        Assert.Contains("Invalid requestState", (string?)refused["error"]!["message"], StringComparison.Ordinal);
        Assert.Equal(["-"], runs); // only the first round ran
        var record = audit.Records[^1];
        Assert.Equal(AuditOutcomes.RequestStateRejected, record.Outcome);
        Assert.Equal(
            attack switch
            {
                "other-caller" => "request state was issued to another caller",
                "other-tool" => "request state was issued for another tool",
                _ => "request state failed its integrity check",
            },
            record.Detail);
    }

    [Fact]
    public async Task CallTool_StateEchoedBySameUserNameOfAnotherIssuer_IsRefused()
    {
        // Issue #17 item 8: the state was bound to preferred_username, which another issuer may also have.
        var audit = new RecordingAudit(new StageLog());
        var runs = new List<string>();
        await using var host = await StartAsync(Greeter(runs), audit);
        using var http = new HttpClient();
        var state = (string)(await CallAsync(http, host, "work", "bob#https://idp-a.example"))["result"]!["requestState"]!;

        var refused = await CallAsync(http, host, "work", "bob#https://idp-b.example", state, AcceptName("Eve"));
        var owner = await CallAsync(http, host, "work", "bob#https://idp-a.example", state, AcceptName("Bob"));

        Assert.Equal(-32602, (int?)refused["error"]!["code"]);
        Assert.Equal("request state was issued to another caller", audit.Records.Single(r => r.Outcome == AuditOutcomes.RequestStateRejected).Detail);
        Assert.NotNull(owner["result"]);
        Assert.Equal(2, runs.Count);
    }

    [Fact]
    public async Task CallTool_StateOlderThanItsLifetime_IsRefusedAsExpired()
    {
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var audit = new RecordingAudit(new StageLog());
        await using var host = await StartAsync(Greeter(), audit, time: time);
        using var http = new HttpClient();
        var state = (string)(await CallAsync(http, host, "work", "bob"))["result"]!["requestState"]!;

        time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        var refused = await CallAsync(http, host, "work", "bob", state, AcceptName("Ada"));

        Assert.Equal(-32602, (int?)refused["error"]!["code"]);
        Assert.Equal("request state has expired", audit.Records[^1].Detail);
    }

    [Fact]
    public async Task CallTool_PolicyDeniesTheRetry_TheExecutorDoesNotRunAgain()
    {
        var log = new StageLog();
        var audit = new RecordingAudit(log);
        var policy = new RecordingPolicy(log);
        var runs = new List<string>();
        await using var host = await StartAsync(Greeter(runs), audit, policy);
        using var http = new HttpClient();
        var state = (string)(await CallAsync(http, host, "work", "bob"))["result"]!["requestState"]!;

        policy.Decide = _ => PolicyDecision.Denied("revoked meanwhile", "test");
        var denied = await CallAsync(http, host, "work", "bob", state, AcceptName("Ada"));

        Assert.NotNull(denied["error"]);
        Assert.Equal(["-"], runs);
        Assert.Equal([AuditOutcomes.InputRequired, AuditOutcomes.Denied], audit.Records.Select(r => r.Outcome));
    }

    [Fact]
    public async Task CallTool_MalformedOrMissingAnswer_IsAskedForAgainNotATooLError()
    {
        var audit = new RecordingAudit(new StageLog());
        await using var host = await StartAsync(Greeter(), audit);
        using var http = new HttpClient();
        var state = (string)(await CallAsync(http, host, "work", "bob"))["result"]!["requestState"]!;

        var again = await CallAsync(http, host, "work", "bob", state, new JsonObject { ["user_name"] = 12345 });
        var wrongKey = await CallAsync(http, host, "work", "bob", state, new JsonObject { ["other"] = new JsonObject { ["action"] = "accept" } });

        Assert.Equal("input_required", (string?)again["result"]!["resultType"]);
        Assert.Equal("input_required", (string?)wrongKey["result"]!["resultType"]);
        Assert.All(audit.Records, r => Assert.Equal(AuditOutcomes.InputRequired, r.Outcome));
    }

    [Fact]
    public async Task CallTool_InputRequestForUndeclaredCapability_IsTheProtocolErrorMissingCapability()
    {
        var audit = new RecordingAudit(new StageLog());
        await using var host = await StartAsync(Greeter(), audit);
        using var http = new HttpClient();

        var response = await CallAsync(http, host, "work", "bob", capabilities: new JsonObject { ["sampling"] = new JsonObject() });

        Assert.Equal(-32021, (int?)response["error"]!["code"]);
        Assert.Equal(AuditOutcomes.Failed, audit.Records[^1].Outcome);
    }

    [Fact]
    public async Task InputRequests_Factories_BuildTheWireShapes()
    {
        var sampling = ToolInputRequest.Sampling(new ToolSamplingRequest("q", 7) { SystemPrompt = "sys" });
        var roots = ToolInputRequest.RootsList();

        Assert.Equal("sampling/createMessage", sampling.Method);
        Assert.Equal("""{"messages":[{"role":"user","content":{"type":"text","text":"q"}}],"maxTokens":7,"systemPrompt":"sys"}""", sampling.Params.GetRawText());
        Assert.Equal("roots/list", roots.Method);
        Assert.Equal("{}", roots.Params.GetRawText());
        Assert.Throws<ArgumentException>(() => new ToolInputRequiredException(new Dictionary<string, ToolInputRequest>()));
        Assert.Throws<ArgumentException>(() => ToolInputRequest.Elicitation("m", JsonDocument.Parse("[]").RootElement));
        await Task.CompletedTask;
    }

    private static JsonObject AcceptName(string name)
        => new() { ["user_name"] = new JsonObject { ["action"] = "accept", ["content"] = new JsonObject { ["name"] = name } } };

    private static string Flip(string state)
    {
        var chars = state.ToCharArray();
        var i = chars.Length / 2;
        chars[i] = chars[i] == 'A' ? 'B' : 'A';
        return new string(chars);
    }

    /// <summary>One stateless 2026-07-28 <c>tools/call</c> over raw HTTP JSON-RPC; returns the JSON-RPC response.</summary>
    private static async Task<JsonObject> CallAsync(HttpClient http, TestHost host, string tool, string user, string? requestState = null, JsonObject? inputResponses = null, JsonObject? capabilities = null)
    {
        var parameters = new JsonObject
        {
            ["name"] = tool,
            ["arguments"] = new JsonObject(),
            ["_meta"] = new JsonObject
            {
                ["io.modelcontextprotocol/protocolVersion"] = Revision,
                ["io.modelcontextprotocol/clientInfo"] = new JsonObject { ["name"] = "raw-test", ["version"] = "1.0.0" },
                ["io.modelcontextprotocol/clientCapabilities"] = capabilities ?? new JsonObject { ["elicitation"] = new JsonObject(), ["sampling"] = new JsonObject() },
            },
        };
        if (requestState is not null)
        {
            parameters["requestState"] = requestState;
        }

        if (inputResponses is not null)
        {
            parameters["inputResponses"] = inputResponses;
        }

        var body = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = "tools/call", ["params"] = parameters };
        using var request = new HttpRequestMessage(HttpMethod.Post, host.BaseUrl + "/mcp")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.Add("MCP-Protocol-Version", Revision);
        request.Headers.Add("Mcp-Method", "tools/call");
        request.Headers.Add("Mcp-Name", tool);
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
