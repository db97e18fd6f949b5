using System.Text.Json;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.ConformanceServer;

/// <summary>
/// The multi-round-trip (MRTR, SEP-2322) fixtures of the 2026-07-28 suite: each round either completes or throws
/// <see cref="ToolInputRequiredException"/>, which the governed pipeline turns into an input-required result. A missing
/// or malformed answer is asked for again (never a tool error); the core verifies the request state before a retry runs.
/// </summary>
internal static class InputRequiredFixtures
{
    private static readonly JsonElement NameSchema = Parse("""{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}""");
    private static readonly JsonElement OkSchema = Parse("""{"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"]}""");
    private static readonly JsonElement ColorSchema = Parse("""{"type":"object","properties":{"color":{"type":"string"}},"required":["color"]}""");

    private static ToolInputRequest AskName(string message = "What is your name?") => ToolInputRequest.Elicitation(message, NameSchema);

    private static ToolInputRequest AskCapital() => ToolInputRequest.Sampling(new ToolSamplingRequest("What is the capital of France?", 100));

    public static ToolResult Run(string tool, IToolCallContext? context)
    {
        if (context is null)
        {
            return new ToolResult { Text = "This tool needs an MCP session.", IsError = true };
        }

        return tool switch
        {
            "test_input_required_result_elicitation" => Elicitation(context),
            "test_input_required_result_sampling" => Sampling(context),
            "test_input_required_result_list_roots" => Roots(context),
            "test_input_required_result_request_state" => Confirmed(context, "confirm-pending", "state-ok"),
            "test_input_required_result_tampered_state" => Confirmed(context, "tamper-check", "state verified"),
            "test_input_required_result_multiple_inputs" => Multiple(context),
            "test_input_required_result_multi_round" => MultiRound(context),
            _ => Capabilities(context),
        };
    }

    private static ToolResult Elicitation(IToolCallContext context)
        => context.TryGetElicitationResponse("user_name", out var answer) && NameOf(answer) is { } name
            ? Text($"Hello, {name}!")
            : throw Ask(("user_name", AskName()));

    private static ToolResult Sampling(IToolCallContext context)
        => context.TryGetSamplingResponse("capital_question", out var answer)
            ? Text("The model answered: " + (answer.Text ?? "(no text)"))
            : throw Ask(("capital_question", AskCapital()));

    private static ToolResult Roots(IToolCallContext context)
        => context.TryGetRootsResponse("client_roots", out var roots)
            ? Text("Client roots: " + string.Join(", ", roots.Select(r => r.Uri)))
            : throw Ask(("client_roots", ToolInputRequest.RootsList()));

    private static ToolResult Confirmed(IToolCallContext context, string pendingState, string done)
    {
        if (context.RequestState == pendingState && context.TryGetElicitationResponse("confirm", out var answer))
        {
            return Text($"{done}: action={answer.Action}");
        }

        throw new ToolInputRequiredException(
            new Dictionary<string, ToolInputRequest> { ["confirm"] = ToolInputRequest.Elicitation("Please confirm", OkSchema) },
            pendingState);
    }

    private static ToolResult Multiple(IToolCallContext context)
    {
        if (context.RequestState == "multi"
            && context.TryGetElicitationResponse("user_name", out var name)
            && context.TryGetSamplingResponse("greeting", out var greeting)
            && context.TryGetRootsResponse("client_roots", out var roots))
        {
            return Text($"{greeting.Text} {NameOf(name)} ({roots.Count} root(s))");
        }

        throw new ToolInputRequiredException(
            new Dictionary<string, ToolInputRequest>
            {
                ["user_name"] = AskName(),
                ["greeting"] = ToolInputRequest.Sampling(new ToolSamplingRequest("Generate a greeting", 50)),
                ["client_roots"] = ToolInputRequest.RootsList(),
            },
            "multi");
    }

    private static ToolResult MultiRound(IToolCallContext context)
    {
        if (context.RequestState is { } state && state.StartsWith("round2:", StringComparison.Ordinal)
            && context.TryGetElicitationResponse("step2", out var colorAnswer)
            && colorAnswer.Content is { } c && c.TryGetProperty("color", out var color) && color.ValueKind == JsonValueKind.String)
        {
            return Text($"{state["round2:".Length..]} likes {color.GetString()}");
        }

        if (context.RequestState == "round1" && context.TryGetElicitationResponse("step1", out var nameAnswer) && NameOf(nameAnswer) is { } name)
        {
            throw new ToolInputRequiredException(
                new Dictionary<string, ToolInputRequest> { ["step2"] = ToolInputRequest.Elicitation("Step 2: What is your favorite color?", ColorSchema) },
                "round2:" + name);
        }

        throw new ToolInputRequiredException(
            new Dictionary<string, ToolInputRequest> { ["step1"] = AskName("Step 1: What is your name?") },
            "round1");
    }

    private static ToolResult Capabilities(IToolCallContext context)
    {
        if (context.TryGetSamplingResponse("capital_question", out var sampled))
        {
            return Text("The model answered: " + (sampled.Text ?? "(no text)"));
        }

        if (context.TryGetElicitationResponse("user_name", out var answer) && NameOf(answer) is { } name)
        {
            return Text($"Hello, {name}!");
        }

        var requests = new Dictionary<string, ToolInputRequest>();
        if (context.SupportsSampling)
        {
            requests["capital_question"] = AskCapital();
        }

        if (context.SupportsElicitation)
        {
            requests["user_name"] = AskName();
        }

        return requests.Count == 0
            ? new ToolResult { Text = "The client declared neither sampling nor elicitation.", IsError = true }
            : throw new ToolInputRequiredException(requests);
    }

    private static ToolInputRequiredException Ask(params (string Key, ToolInputRequest Request)[] requests)
        => new(requests.ToDictionary(r => r.Key, r => r.Request, StringComparer.Ordinal));

    private static string? NameOf(ToolElicitationResult answer)
        => answer.Action == "accept" && answer.Content is { } content && content.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
            ? name.GetString()
            : null;

    private static ToolResult Text(string text) => new() { Text = text };

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
