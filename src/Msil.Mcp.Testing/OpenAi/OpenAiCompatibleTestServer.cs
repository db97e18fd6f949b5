using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Msil.Mcp.Testing;

/// <summary>
/// A language model for tests: Kestrel on a free loopback port speaking the OpenAI chat-completions wire protocol
/// (<c>POST /v1/chat/completions</c>, non-streaming JSON and streaming server-sent events ending with <c>data: [DONE]</c>,
/// <c>tool_calls</c> with their arguments streamed in pieces, <c>role: tool</c> results read back, and <c>GET /v1/models</c>)
/// that replays scripted turns and records every request. A client under test cannot tell it from a real endpoint.
/// </summary>
/// <example>
/// <code>
/// await using var llm = await OpenAiCompatibleTestServer.StartAsync();
/// llm.WhenUserSays("inventory").CallsTool("get_vehicle_inventory").ThenAnswers("In stock: {tool_result}");
/// // point an OpenAI-compatible client at llm.Endpoint (for example http://127.0.0.1:41234/v1)
/// </code>
/// </example>
public sealed class OpenAiCompatibleTestServer : IAsyncDisposable
{
    /// <summary>The model id <c>GET /v1/models</c> lists unless told otherwise.</summary>
    public const string DefaultModel = "msil-test-model";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedChatRequest> _requests = new();
    private readonly List<ScriptedChatTurn> _turns = [];
    private readonly Lock _gate = new();
    private int _ids;
    private int _stopped;

    private OpenAiCompatibleTestServer(WebApplication app, Uri baseAddress, IReadOnlyList<string> models)
    {
        _app = app;
        BaseAddress = baseAddress;
        Models = models;
    }

    /// <summary>Gets the server's base address, for example <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Gets the OpenAI-compatible endpoint (<c>{BaseAddress}v1/</c>) to configure a client with.</summary>
    public Uri Endpoint => new(BaseAddress, "v1/");

    /// <summary>Gets the model ids <c>GET /v1/models</c> lists.</summary>
    public IReadOnlyList<string> Models { get; }

    /// <summary>Gets or sets the answer given when no scripted turn matches.</summary>
    /// <value>"I have no scripted answer for that." by default.</value>
    public string DefaultAnswer { get; set; } = "I have no scripted answer for that.";

    /// <summary>Gets every chat-completions request received, in order.</summary>
    public IReadOnlyList<RecordedChatRequest> Requests => [.. _requests];

    /// <summary>Starts a server on a free loopback port.</summary>
    /// <param name="models">The model ids to list; <see cref="DefaultModel"/> when none are given.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The started server.</returns>
    public static async Task<OpenAiCompatibleTestServer> StartAsync(IReadOnlyList<string>? models = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var holder = new OpenAiCompatibleTestServer[1];
        app.MapPost("/v1/chat/completions", (HttpContext context) => holder[0].CompleteAsync(context));
        app.MapGet("/v1/models", (HttpContext context) => holder[0].ListModelsAsync(context));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var server = new OpenAiCompatibleTestServer(app, new Uri(address.TrimEnd('/') + "/"), models is { Count: > 0 } ? [.. models] : [DefaultModel]);
        holder[0] = server;
        return server;
    }

    /// <summary>Scripts a turn for when the last user message contains <paramref name="text"/> (ordinal, ignoring case).</summary>
    /// <param name="text">The text to look for.</param>
    /// <returns>The turn, to add tool calls and the answer to.</returns>
    /// <exception cref="ArgumentException"><paramref name="text"/> is empty.</exception>
    public ScriptedChatTurn WhenUserSays(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        return When(message => message.Contains(text, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Scripts a turn for when the last user message matches <paramref name="matches"/>; the first matching turn wins.</summary>
    /// <param name="matches">Tests the last user message's text.</param>
    /// <returns>The turn, to add tool calls and the answer to.</returns>
    public ScriptedChatTurn When(Func<string, bool> matches)
    {
        ArgumentNullException.ThrowIfNull(matches);
        var turn = new ScriptedChatTurn(matches);
        lock (_gate)
        {
            _turns.Add(turn);
        }

        return turn;
    }

    /// <summary>Stops the server.</summary>
    /// <returns>A task that completes when the server has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task ListModelsAsync(HttpContext context)
    {
        var data = new JsonArray();
        foreach (var model in Models)
        {
            data.Add(new JsonObject { ["id"] = model, ["object"] = "model", ["created"] = 1_700_000_000, ["owned_by"] = "msil-test" });
        }

        await WriteJsonAsync(context, new JsonObject { ["object"] = "list", ["data"] = data }).ConfigureAwait(false);
    }

    private async Task CompleteAsync(HttpContext context)
    {
        JsonElement body;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
            body = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await WriteJsonAsync(context, Error("The request body is not JSON.")).ConfigureAwait(false);
            return;
        }

        var request = new RecordedChatRequest(body, context.Request.Headers.Authorization.FirstOrDefault());
        _requests.Enqueue(request);
        if (request.Messages.Count == 0)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await WriteJsonAsync(context, Error("'messages' must hold at least one message.")).ConfigureAwait(false);
            return;
        }

        var (call, answer, hold) = Decide(request.Messages);
        var id = "chatcmpl-" + Interlocked.Increment(ref _ids).ToString(CultureInfo.InvariantCulture);
        var callId = call is null ? null : "call_" + Interlocked.Increment(ref _ids).ToString(CultureInfo.InvariantCulture);
        var model = request.Model.Length > 0 ? request.Model : Models[0];
        if (request.Stream)
        {
            var includeUsage = body.TryGetProperty("stream_options", out var so) && so.TryGetProperty("include_usage", out var iu) && iu.ValueKind == JsonValueKind.True;
            await StreamAsync(context, id, model, call, callId, answer, hold, includeUsage).ConfigureAwait(false);
            return;
        }

        var message = new JsonObject { ["role"] = "assistant", ["content"] = answer, ["refusal"] = null };
        if (call is not null)
        {
            message["tool_calls"] = new JsonArray(ToolCall(callId!, call.Name, call.ArgumentsJson, index: null));
        }

        await WriteJsonAsync(context, new JsonObject
        {
            ["id"] = id,
            ["object"] = "chat.completion",
            ["created"] = 1_700_000_000,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = message,
                ["finish_reason"] = call is null ? "stop" : "tool_calls",
            }),
            ["usage"] = Usage(request, answer),
        }).ConfigureAwait(false);
    }

    /// <summary>Picks the next step: the scripted turn's next tool call, or its answer once every call has its result.</summary>
    private (ScriptedToolCall? Call, string? Answer, Task? Hold) Decide(IReadOnlyList<RecordedChatMessage> messages)
    {
        var lastUser = -1;
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            if (messages[i].Role == "user")
            {
                lastUser = i;
                break;
            }
        }

        var userText = lastUser >= 0 ? messages[lastUser].Content : string.Empty;
        ScriptedChatTurn? turn;
        lock (_gate)
        {
            turn = _turns.FirstOrDefault(t => t.Matches(userText));
        }

        if (turn is null)
        {
            return (null, DefaultAnswer, null);
        }

        // Each assistant message after the user's is one step taken: a scripted call whose result has come back.
        var steps = messages.Skip(lastUser + 1).Count(m => m.Role == "assistant");
        if (steps < turn.Calls.Count)
        {
            return (turn.Calls[steps], null, null);
        }

        var lastTool = messages.Skip(lastUser + 1).LastOrDefault(m => m.Role == "tool");
        return (null, turn.Answer.Replace("{tool_result}", lastTool?.Content ?? string.Empty, StringComparison.Ordinal), turn.Hold);
    }

    private static async Task StreamAsync(HttpContext context, string id, string model, ScriptedToolCall? call, string? callId, string? answer, Task? hold, bool includeUsage)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        var ct = context.RequestAborted;
        await ChunkAsync(context, id, model, new JsonObject { ["role"] = "assistant", ["content"] = string.Empty }, null).ConfigureAwait(false);
        if (call is not null)
        {
            // The first piece names the function; the arguments follow in small pieces, as real endpoints send them.
            await ChunkAsync(context, id, model, new JsonObject { ["tool_calls"] = new JsonArray(ToolCall(callId!, call.Name, string.Empty, index: 0)) }, null).ConfigureAwait(false);
            foreach (var piece in Pieces(call.ArgumentsJson, 5))
            {
                await ChunkAsync(context, id, model, new JsonObject
                {
                    ["tool_calls"] = new JsonArray(new JsonObject { ["index"] = 0, ["function"] = new JsonObject { ["arguments"] = piece } }),
                }, null).ConfigureAwait(false);
            }

            await ChunkAsync(context, id, model, new JsonObject(), "tool_calls").ConfigureAwait(false);
        }
        else
        {
            var first = true;
            foreach (var piece in Pieces(answer ?? string.Empty, 8))
            {
                await ChunkAsync(context, id, model, new JsonObject { ["content"] = piece }, null).ConfigureAwait(false);
                if (first && hold is not null)
                {
                    // Held after the first piece until the test releases it or the client goes away.
                    await hold.WaitAsync(ct).ConfigureAwait(false);
                }

                first = false;
            }

            await ChunkAsync(context, id, model, new JsonObject(), "stop").ConfigureAwait(false);
        }

        if (includeUsage)
        {
            await WriteEventAsync(context, new JsonObject
            {
                ["id"] = id,
                ["object"] = "chat.completion.chunk",
                ["created"] = 1_700_000_000,
                ["model"] = model,
                ["choices"] = new JsonArray(),
                ["usage"] = new JsonObject { ["prompt_tokens"] = 1, ["completion_tokens"] = 1, ["total_tokens"] = 2 },
            }.ToJsonString()).ConfigureAwait(false);
        }

        await WriteEventAsync(context, "[DONE]").ConfigureAwait(false);
        await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
    }

    private static Task ChunkAsync(HttpContext context, string id, string model, JsonObject delta, string? finishReason) =>
        WriteEventAsync(context, new JsonObject
        {
            ["id"] = id,
            ["object"] = "chat.completion.chunk",
            ["created"] = 1_700_000_000,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
        }.ToJsonString());

    private static async Task WriteEventAsync(HttpContext context, string data)
    {
        await context.Response.WriteAsync("data: " + data + "\n\n", context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static IEnumerable<string> Pieces(string text, int size)
    {
        for (var i = 0; i < text.Length; i += size)
        {
            yield return text.Substring(i, Math.Min(size, text.Length - i));
        }
    }

    private static JsonObject ToolCall(string callId, string name, string arguments, int? index)
    {
        var call = new JsonObject
        {
            ["id"] = callId,
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = name, ["arguments"] = arguments },
        };
        if (index is not null)
        {
            call["index"] = index.Value;
        }

        return call;
    }

    private static JsonObject Usage(RecordedChatRequest request, string? answer)
    {
        var prompt = request.Messages.Sum(m => m.Content.Length) / 4 + 1;
        var completion = (answer?.Length ?? 0) / 4 + 1;
        return new JsonObject { ["prompt_tokens"] = prompt, ["completion_tokens"] = completion, ["total_tokens"] = prompt + completion };
    }

    private static JsonObject Error(string message) =>
        new() { ["error"] = new JsonObject { ["message"] = message, ["type"] = "invalid_request_error", ["param"] = null, ["code"] = null } };

    private static async Task WriteJsonAsync(HttpContext context, JsonObject body)
    {
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), Encoding.UTF8, context.RequestAborted).ConfigureAwait(false);
    }
}
