using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.ConformanceServer;

/// <summary>
/// The tools the conformance suite calls by fixed name, as governed tool definitions run by <see cref="ConformanceToolExecutor"/>:
/// they pass through every stage of the pipeline (rate limit, validation, policy, audit) like any catalog tool.
/// </summary>
internal static class ConformanceTools
{
    public const string ExecutorKind = "conformance";

    /// <summary>A 1×1 PNG, base64.</summary>
    public const string PngBase64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";

    /// <summary>A minimal WAV file, base64.</summary>
    public const string WavBase64 = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

    private const string NoArguments = """{"type":"object","properties":{}}""";

    public static IReadOnlyList<ToolDefinition> Definitions { get; } =
    [
        Define("test_simple_text", "Returns simple text content."),
        Define("test_image_content", "Returns an image content block."),
        Define("test_audio_content", "Returns an audio content block."),
        Define("test_embedded_resource", "Returns an embedded text resource."),
        Define("test_multiple_content_types", "Returns text, image and embedded resource content together."),
        Define("test_tool_with_logging", "Sends three log messages while it runs."),
        Define("test_tool_with_progress", "Reports progress 0, 50 and 100 of 100 when the client sends a progress token."),
        Define("test_error_handling", "Always fails, as a tool error (isError)."),
        Define("test_sampling", "Asks the client to sample its model with the given prompt.",
            """{"type":"object","properties":{"prompt":{"type":"string","description":"The prompt to send to the model"}},"required":["prompt"]}"""),
        Define("test_elicitation", "Asks the user for a username and an email through the client.",
            """{"type":"object","properties":{"message":{"type":"string","description":"The message to show the user"}},"required":["message"]}"""),
        Define("test_elicitation_sep1034_defaults", "Elicitation whose schema has a default for every primitive type (SEP-1034)."),
        Define("test_elicitation_sep1330_enums", "Elicitation with the five enum schema variants (SEP-1330)."),
        Define("test_reconnection", "Closes the response stream mid-call so the client reconnects and resumes (SEP-1699)."),
        Define("test_logging_tool", "Sends one log message; on 2026-07-28 only when the request set a log level."),
        Define("test_missing_capability", "Needs the client's sampling capability; refused with -32021 when the client did not declare it."),
        Define("test_streaming_elicitation", "Asks the user for a name through the client (elicitation)."),
        Define("test_input_required_result_elicitation", "Asks for the user's name through an input-required result (MRTR, SEP-2322), then greets."),
        Define("test_input_required_result_sampling", "Asks the client's model for the capital of France through an input-required result."),
        Define("test_input_required_result_list_roots", "Asks for the client's roots through an input-required result."),
        Define("test_input_required_result_request_state", "Asks for a confirmation with request state; answers state-ok once the state comes back verified."),
        Define("test_input_required_result_multiple_inputs", "Asks for an elicitation, a sampling and the roots in one input-required result."),
        Define("test_input_required_result_multi_round", "Asks for a name, then a color, in two input-required rounds with evolving request state."),
        Define("test_input_required_result_tampered_state", "Input-required result with request state; the core refuses a tampered state."),
        Define("test_input_required_result_capabilities", "Asks only for the input the client declared a capability for."),
        Define("test_custom_header", "Echoes the region it was called for; the region is mirrored in the Mcp-Param-Region header (SEP-2243).",
            """{"type":"object","properties":{"region":{"type":"string","description":"The region to run in","x-mcp-header":"Region"},"query":{"type":"string","description":"What to look up"}},"required":["region"]}"""),
        Define("greet", "Greets by name (sync only).", """{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}"""),
        Define("slow_compute", "Waits the given seconds, then answers; runs as a task when it takes longer than the immediate-result window.",
            """{"type":"object","properties":{"seconds":{"type":"number","minimum":0},"label":{"type":"string"}},"required":["seconds"]}""",
            ToolTaskSupport.Optional),
        Define("failing_job", "Runs as a task and ends with a tool error (isError) after about a second.", NoArguments, ToolTaskSupport.Required),
        Define("protocol_error_job", "Runs as a task and fails with a protocol error.", NoArguments, ToolTaskSupport.Optional),
        Define("confirm_delete", "Runs as a task and asks the user to confirm the deletion of a file.",
            """{"type":"object","properties":{"filename":{"type":"string"}},"required":["filename"]}""",
            ToolTaskSupport.Optional),
        Define("multi_input", "Runs as a task and asks for two inputs at once.", NoArguments, ToolTaskSupport.Optional),
        Define("test_tool_with_task", "Asks for the user's name inline (MRTR), then runs as a task that greets.", NoArguments, ToolTaskSupport.Required),
        Define("json_schema_2020_12_tool", "Tool with JSON Schema 2020-12 features",
            """
            {
              "$schema": "https://json-schema.org/draft/2020-12/schema",
              "type": "object",
              "$defs": {
                "address": { "$anchor": "address", "type": "object", "properties": { "street": { "type": "string" }, "city": { "type": "string" } } }
              },
              "properties": { "name": { "type": "string" }, "address": { "$ref": "#/$defs/address" } },
              "allOf": [ { "anyOf": [ { "required": ["name"] }, { "required": ["address"] }, { "maxProperties": 0 } ] } ],
              "if": { "properties": { "name": { "const": "headquarters" } }, "required": ["name"] },
              "then": { "required": ["address"] },
              "else": { },
              "additionalProperties": false
            }
            """),
    ];

    private static ToolDefinition Define(string name, string description, string schema = NoArguments, ToolTaskSupport taskSupport = ToolTaskSupport.None)
    {
        using var doc = JsonDocument.Parse(schema);
        return new ToolDefinition
        {
            Name = name,
            Description = description,
            RiskLevel = RiskLevel.Read,
            InputSchema = doc.RootElement.Clone(),
            Executor = ExecutorKind,
            Source = "conformance",
            TaskSupport = taskSupport,
            ContentHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name + "\n" + description + "\n" + schema))),
        };
    }
}

/// <summary>Runs the conformance fixtures; everything toward the client goes through <see cref="ToolInvocation.Context"/>.</summary>
internal sealed class ConformanceToolExecutor(TimeProvider time) : IToolExecutor
{
    public string Kind => ConformanceTools.ExecutorKind;

    public async ValueTask<ToolResult> ExecuteAsync(ToolInvocation invocation, CancellationToken cancellationToken)
    {
        var context = invocation.Context;
        switch (invocation.Tool.Name)
        {
            case "test_simple_text":
                return Text("This is a simple text response for testing.");
            case "test_image_content":
                return Content("image", new ImageToolContent(ConformanceTools.PngBase64, "image/png"));
            case "test_audio_content":
                return Content("audio", new AudioToolContent(ConformanceTools.WavBase64, "audio/wav"));
            case "test_embedded_resource":
                return Content("resource", new EmbeddedResourceToolContent("test://embedded-resource", "text/plain", "This is an embedded resource content."));
            case "test_multiple_content_types":
                return Content(
                    "mixed",
                    new TextToolContent("Multiple content types test:"),
                    new ImageToolContent(ConformanceTools.PngBase64, "image/png"),
                    new EmbeddedResourceToolContent("test://mixed-content-resource", "application/json", """{"test":"data","value":123}"""));
            case "test_tool_with_logging":
                if (context is not null)
                {
                    await context.LogAsync(ToolLogLevel.Info, "Tool execution started", cancellationToken);
                    await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken);
                    await context.LogAsync(ToolLogLevel.Info, "Tool processing data", cancellationToken);
                    await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken);
                    await context.LogAsync(ToolLogLevel.Info, "Tool execution completed", cancellationToken);
                }

                return Text("Tool with logging executed successfully");
            case "test_tool_with_progress":
                for (var step = 0; step <= 100; step += 50)
                {
                    if (step > 0)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken);
                    }

                    if (context is not null)
                    {
                        await context.ReportProgressAsync(step, 100, cancellationToken: cancellationToken);
                    }
                }

                return Text("Progress reported: 0, 50 and 100 of 100");
            case "test_error_handling":
                return new ToolResult { Text = "This tool intentionally returns an error for testing", IsError = true };
            case "test_sampling":
                return await SampleAsync(invocation, cancellationToken);
            case "test_elicitation":
                return await ElicitAsync(context, invocation.Arguments["message"].GetString() ?? string.Empty, Schemas.Elicitation, "User response", cancellationToken);
            case "test_elicitation_sep1034_defaults":
                return await ElicitAsync(context, "Test elicitation with default values for primitive types", Schemas.Sep1034, "Elicitation completed", cancellationToken);
            case "test_elicitation_sep1330_enums":
                return await ElicitAsync(context, "Test elicitation with enum schema variants", Schemas.Sep1330, "Elicitation completed", cancellationToken);
            case "test_reconnection":
                if (context is not null)
                {
                    await context.EnablePollingAsync(TimeSpan.FromMilliseconds(500), cancellationToken);
                    await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken);
                }

                return Text("Reconnection test completed");
            case "test_logging_tool":
                if (context is not null)
                {
                    await context.LogAsync(ToolLogLevel.Info, "Logging tool called", cancellationToken);
                }

                return Text("Logging tool executed");
            case "test_missing_capability":
                // No capability check on purpose: the SDK refuses the sampling request with -32021 when the client did not declare it.
                var sampled = await context!.SampleAsync(new ToolSamplingRequest("Say hello", 20), cancellationToken);
                return Text("LLM response: " + (sampled.Text ?? "(no text)"));
            case "test_streaming_elicitation":
                return await ElicitAsync(context, "What is your name?", Schemas.Name, "Elicitation completed", cancellationToken);
            case "test_input_required_result_elicitation":
            case "test_input_required_result_sampling":
            case "test_input_required_result_list_roots":
            case "test_input_required_result_request_state":
            case "test_input_required_result_multiple_inputs":
            case "test_input_required_result_multi_round":
            case "test_input_required_result_tampered_state":
            case "test_input_required_result_capabilities":
                return InputRequiredFixtures.Run(invocation.Tool.Name, context);
            case "test_custom_header":
                return Text("Custom header tool called for region " + invocation.Arguments["region"].GetString());
            case "greet":
                return Text($"Hello, {invocation.Arguments["name"].GetString()}!");
            case "slow_compute":
            case "failing_job":
            case "protocol_error_job":
            case "confirm_delete":
            case "multi_input":
            case "test_tool_with_task":
                return await TaskFixtures.RunAsync(invocation, time, cancellationToken);
            case "json_schema_2020_12_tool":
                return Text("JSON Schema 2020-12 tool called with " + invocation.Arguments.Count.ToString(CultureInfo.InvariantCulture) + " argument(s)");
            default:
                return new ToolResult { Text = $"The conformance executor has no tool '{invocation.Tool.Name}'.", IsError = true };
        }
    }

    private static async ValueTask<ToolResult> SampleAsync(ToolInvocation invocation, CancellationToken cancellationToken)
    {
        if (invocation.Context is not { SupportsSampling: true } context)
        {
            return new ToolResult { Text = "The client does not support sampling.", IsError = true };
        }

        var prompt = invocation.Arguments["prompt"].GetString() ?? string.Empty;
        var answer = await context.SampleAsync(new ToolSamplingRequest(prompt, 100), cancellationToken);
        return Text("LLM response: " + (answer.Text ?? "(no text)"));
    }

    private static async ValueTask<ToolResult> ElicitAsync(IToolCallContext? context, string message, JsonElement schema, string prefix, CancellationToken cancellationToken)
    {
        if (context is not { SupportsElicitation: true })
        {
            return new ToolResult { Text = "The client does not support elicitation.", IsError = true };
        }

        var answer = await context.ElicitAsync(message, schema, cancellationToken);
        var content = answer.Content is { } c ? c.GetRawText() : "{}";
        return Text($"{prefix}: action={answer.Action}, content={content}");
    }

    private static ToolResult Text(string text) => new() { Text = text };

    private static ToolResult Content(string summary, params ToolContent[] content) => new() { Text = summary, Content = content };

    private static class Schemas
    {
        public static readonly JsonElement Elicitation = Parse("""
            {"type":"object","properties":{
              "username":{"type":"string","description":"User's response"},
              "email":{"type":"string","description":"User's email address"}},
             "required":["username","email"]}
            """);

        public static readonly JsonElement Name = Parse("""{"type":"object","properties":{"name":{"type":"string","description":"Your name"}},"required":["name"]}""");

        public static readonly JsonElement Sep1034 = Parse("""
            {"type":"object","properties":{
              "name":{"type":"string","description":"Name","default":"John Doe"},
              "age":{"type":"integer","description":"Age","default":30},
              "score":{"type":"number","description":"Score","default":95.5},
              "status":{"type":"string","description":"Status","enum":["active","inactive","pending"],"default":"active"},
              "verified":{"type":"boolean","description":"Verified","default":true}}}
            """);

        public static readonly JsonElement Sep1330 = Parse("""
            {"type":"object","properties":{
              "untitledSingle":{"type":"string","description":"Untitled single-select","enum":["option1","option2","option3"]},
              "titledSingle":{"type":"string","description":"Titled single-select","oneOf":[
                {"const":"value1","title":"First Option"},{"const":"value2","title":"Second Option"},{"const":"value3","title":"Third Option"}]},
              "legacyEnum":{"type":"string","description":"Legacy titled enum","enum":["opt1","opt2","opt3"],"enumNames":["Option One","Option Two","Option Three"]},
              "untitledMulti":{"type":"array","description":"Untitled multi-select","items":{"type":"string","enum":["option1","option2","option3"]}},
              "titledMulti":{"type":"array","description":"Titled multi-select","items":{"anyOf":[
                {"const":"value1","title":"First Choice"},{"const":"value2","title":"Second Choice"},{"const":"value3","title":"Third Choice"}]}}}}
            """);

        private static JsonElement Parse(string json)
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.Clone();
        }
    }
}
