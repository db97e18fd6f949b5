using System.Globalization;
using System.Text.Json;
using ModelContextProtocol;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.ConformanceServer;

/// <summary>
/// The tasks-extension fixtures of the 2026-07-28 suite (SEP-2663). They run through the governed pipeline like every
/// fixture: all governance stages run inline, then the call becomes a task when it outlasts the immediate-result window
/// or calls <see cref="IToolCallContext.RunAsTaskAsync"/>. Inside a task input is asked for by throwing
/// <see cref="ToolInputRequiredException"/>; the executor is called again once <c>tasks/update</c> answered every request.
/// </summary>
internal static class TaskFixtures
{
    private static readonly JsonElement ConfirmSchema = Parse("""{"type":"object","properties":{"confirm":{"type":"boolean"}},"required":["confirm"]}""");
    private static readonly JsonElement NameSchema = Parse("""{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}""");

    public static async ValueTask<ToolResult> RunAsync(ToolInvocation invocation, TimeProvider time, CancellationToken cancellationToken)
    {
        var context = invocation.Context ?? throw new InvalidOperationException("The task fixtures need an MCP call context.");
        switch (invocation.Tool.Name)
        {
            case "slow_compute":
            {
                var seconds = invocation.Arguments["seconds"].GetDouble();
                var label = invocation.Arguments.TryGetValue("label", out var l) ? l.GetString() : null;
                if (seconds > 0)
                {
                    // Cancellation (tasks/cancel) ends the wait with OperationCanceledException: the task settles to cancelled.
                    await Task.Delay(TimeSpan.FromSeconds(seconds), time, cancellationToken);
                }

                return Text(string.Create(CultureInfo.InvariantCulture, $"Computed '{label}' in {seconds} s."));
            }

            case "failing_job":
                await context.RunAsTaskAsync(cancellationToken);
                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
                return new ToolResult { Text = "The job failed: the simulated backend refused it.", IsError = true };
            case "protocol_error_job":
                await context.RunAsTaskAsync(cancellationToken);
                throw new McpProtocolException("Simulated protocol failure inside the task.", McpErrorCode.InternalError);
            case "confirm_delete":
            {
                await context.RunAsTaskAsync(cancellationToken);
                var filename = invocation.Arguments["filename"].GetString();
                if (context.TryGetElicitationResponse("confirm", out var answer))
                {
                    var confirmed = answer.Action == "accept" && answer.Content is { } c && c.TryGetProperty("confirm", out var v) && v.ValueKind == JsonValueKind.True;
                    return Text(confirmed ? $"Deleted {filename}." : $"Kept {filename}.");
                }

                throw new ToolInputRequiredException(new Dictionary<string, ToolInputRequest>
                {
                    ["confirm"] = ToolInputRequest.Elicitation($"Delete {filename}?", ConfirmSchema),
                });
            }

            case "multi_input":
            {
                await context.RunAsTaskAsync(cancellationToken);
                if (context.TryGetElicitationResponse("name", out var name) && context.TryGetElicitationResponse("confirm", out var confirm))
                {
                    return Text($"Both answered: name={name.Action}, confirm={confirm.Action}.");
                }

                throw new ToolInputRequiredException(new Dictionary<string, ToolInputRequest>
                {
                    ["name"] = ToolInputRequest.Elicitation("What is your name?", NameSchema),
                    ["confirm"] = ToolInputRequest.Elicitation("Please confirm.", ConfirmSchema),
                });
            }

            default: // test_tool_with_task: the name by MRTR inline, then the work as a task
            {
                if (!context.TryGetElicitationResponse("user_name", out var answer)
                    || answer.Content is not { } content || !content.TryGetProperty("name", out var n) || n.GetString() is not { } userName)
                {
                    throw new ToolInputRequiredException(new Dictionary<string, ToolInputRequest>
                    {
                        ["user_name"] = ToolInputRequest.Elicitation("What is your name?", NameSchema),
                    });
                }

                await context.RunAsTaskAsync(cancellationToken);
                return Text($"Hello, {userName}! (from task {context.TaskId})");
            }
        }
    }

    private static ToolResult Text(string text) => new() { Text = text };

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
