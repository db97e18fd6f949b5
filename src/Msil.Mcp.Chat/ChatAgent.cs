using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Msil.Mcp.Chat.Conversations;
using Msil.Mcp.Chat.Mcp;
using ElicitRequestParams = ModelContextProtocol.Protocol.ElicitRequestParams;
using ElicitResult = ModelContextProtocol.Protocol.ElicitResult;
using McpJsonUtilities = ModelContextProtocol.McpJsonUtilities;

namespace Msil.Mcp.Chat;

/// <summary>What a running turn needs from the page: a redraw, and the user's answers to a confirmation or an approval.</summary>
internal interface IChatInteraction
{
    /// <summary>Something on the page changed (text streamed in, a card moved on).</summary>
    void Changed();

    /// <summary>Asks the user to confirm a destructive call before it is sent.</summary>
    /// <returns><see langword="true"/> to send it.</returns>
    Task<bool> ConfirmAsync(ToolCallCard card, CancellationToken cancellationToken);

    /// <summary>Shows the approval card and waits until the user says the elevation is approved (or gives up).</summary>
    /// <returns><see langword="true"/> to send the call once more.</returns>
    Task<bool> WaitForApprovalAsync(ToolCallCard card, CancellationToken cancellationToken);

    /// <summary>Shows what the server asks for (an <c>input_required</c> form) and waits for the user's answers.</summary>
    /// <returns>The answers, or <see langword="null"/> when the user declines.</returns>
    Task<IReadOnlyDictionary<string, JsonElement>?> ProvideInputAsync(ToolCallCard card, CancellationToken cancellationToken);
}

/// <summary>
/// Runs a conversation turn: streams the model's answer and, for each tool call it makes, sends the call to the governed
/// MCP server with the user's token, shows it as a card and gives the model the outcome, until the model answers in
/// text. The host runs the function-invocation loop itself (rather than <c>FunctionInvokingChatClient</c>) so that every
/// call, including a name the model made up, goes to the server, which decides and audits it, and so that a destructive
/// tool waits for the user's confirmation and a required elevation for the user's approval.
/// </summary>
internal sealed class ChatAgent(IOptions<MsilMcpChatOptions> settings, ILogger<ChatAgent> logger, ChatTelemetry? telemetry = null)
{
    private readonly MsilMcpChatOptions options = settings.Value;

    public async Task RunTurnAsync(ChatConversation conversation, string userText, IChatClient model, McpToolConnection mcp, IChatInteraction ui, CancellationToken cancellationToken)
    {
        using var turn = ChatTelemetry.StartTurn();
        if (conversation.History.Count == 0 && !string.IsNullOrWhiteSpace(options.SystemPrompt))
        {
            conversation.History.Add(new ChatMessage(ChatRole.System, options.SystemPrompt));
        }

        mcp.RefreshTools(); // each turn starts from the server's current list (list_changed is not pushed to stateless clients)
        conversation.History.Add(new ChatMessage(ChatRole.User, userText));
        conversation.Entries.Add(new ChatEntry { Role = ChatEntry.User, Text = userText });
        ui.Changed();
        var calls = 0;
        while (true)
        {
            var tools = await mcp.ListToolsAsync(cancellationToken).ConfigureAwait(false);
            var chatOptions = new ChatOptions { Tools = [.. tools], ToolMode = tools.Count > 0 ? ChatToolMode.Auto : null };
            var updates = new List<ChatResponseUpdate>();
            ChatEntry? answer = null;
            var started = Stopwatch.GetTimestamp();
            try
            {
                await foreach (var update in model.GetStreamingResponseAsync(conversation.History, chatOptions, cancellationToken).ConfigureAwait(false))
                {
                    updates.Add(update);
                    if (!string.IsNullOrEmpty(update.Text))
                    {
                        if (answer is null)
                        {
                            answer = new ChatEntry { Role = ChatEntry.Assistant };
                            conversation.Entries.Add(answer);
                        }

                        answer.Text += update.Text;
                        ui.Changed();
                    }
                }

                telemetry?.ModelCalled(Stopwatch.GetElapsedTime(started), "success");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                telemetry?.ModelCalled(Stopwatch.GetElapsedTime(started), "cancelled");

                // Keep what was said so far (text only: a half-streamed tool call is not kept).
                if (answer is not null)
                {
                    answer.Text += " …";
                    conversation.History.Add(new ChatMessage(ChatRole.Assistant, answer.Text));
                }

                throw;
            }
#pragma warning disable CA1031 // the model's failure is shown in the conversation
            catch (Exception ex)
#pragma warning restore CA1031
            {
                telemetry?.ModelCalled(Stopwatch.GetElapsedTime(started), "error");
                turn?.SetStatus(ActivityStatusCode.Error, "model failed");
                Log.ModelFailed(logger, conversation.ModelName ?? "?", ex.GetType().Name);
                conversation.Entries.Add(new ChatEntry { Role = ChatEntry.Notice, Text = ModelFailure.Describe(conversation.ModelName, ex) });
                ui.Changed();
                return;
            }

            var response = updates.ToChatResponse();
            conversation.History.AddRange(response.Messages);
            var pending = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
            if (pending.Count == 0)
            {
                return;
            }

            for (var i = 0; i < pending.Count; i++)
            {
                var call = pending[i];
                string outcome;
                turn?.SetTag(ChatTelemetry.TurnToolCallsTag, ++calls);
                if (calls > options.MaxToolCallsPerTurn)
                {
                    Log.TooManyToolCalls(logger, options.MaxToolCallsPerTurn);
                    outcome = "Not called: this turn reached the limit of tool calls.";
                }
                else
                {
                    var card = new ToolCallCard
                    {
                        Id = call.CallId,
                        ToolName = call.Name,
                        Destructive = tools.FirstOrDefault(t => t.Name == call.Name)?.ProtocolTool.Annotations?.DestructiveHint == true,
                        NotListed = !tools.Any(t => t.Name == call.Name),
                    };
                    var arguments = ToJson(call.Arguments);
                    card.ArgumentsJson = ArgumentsText(arguments);
                    conversation.Entries.Add(new ChatEntry { Role = ChatEntry.Tool, Card = card });
                    try
                    {
                        await CallToolAsync(card, arguments, mcp, ui, cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        // Every call the model made needs an answer in the history, or the next request is refused.
                        foreach (var unanswered in pending.Skip(i))
                        {
                            conversation.History.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(unanswered.CallId, "Cancelled by the user.")]));
                        }

                        throw;
                    }

                    outcome = ToolOutcomes.ForModel(card);
                }

                conversation.History.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(call.CallId, outcome)]));
            }

            if (calls > options.MaxToolCallsPerTurn)
            {
                conversation.Entries.Add(new ChatEntry { Role = ChatEntry.Notice, Text = $"Stopped: the model asked for more than {options.MaxToolCallsPerTurn} tool calls in one turn." });
                ui.Changed();
                return;
            }
        }
    }

    /// <summary>
    /// Sends one call (the model's or a manual one): a destructive tool waits for the user's confirmation first; a call
    /// that needs an elevation shows the approval card and, once the user says it is approved, is sent exactly once more.
    /// </summary>
    public async Task CallToolAsync(ToolCallCard card, IReadOnlyDictionary<string, JsonElement> arguments, McpToolConnection mcp, IChatInteraction ui, CancellationToken cancellationToken)
    {
        await SendToolCallAsync(card, arguments, mcp, ui, cancellationToken).ConfigureAwait(false);
        telemetry?.ToolCallEnded(card.Status);
    }

    private async Task SendToolCallAsync(ToolCallCard card, IReadOnlyDictionary<string, JsonElement> arguments, McpToolConnection mcp, IChatInteraction ui, CancellationToken cancellationToken)
    {
        if (card.Destructive)
        {
            card.Status = ToolCallStatus.AwaitingConfirmation;
            ui.Changed();
            if (!await ui.ConfirmAsync(card, cancellationToken).ConfigureAwait(false))
            {
                card.Status = ToolCallStatus.Declined;
                card.Reason = "You declined to run this destructive tool; nothing was sent.";
                ui.Changed();
                return;
            }
        }

        card.Status = ToolCallStatus.Running;
        ui.Changed();
        await mcp.CallAsync(card, arguments, options.AuditLinkTemplate, cancellationToken, (request, ct) => AskUserAsync(card, request, ui, ct)).ConfigureAwait(false);
        ui.Changed();
        if (card.Status != ToolCallStatus.ApprovalRequired)
        {
            return;
        }

        if (!await ui.WaitForApprovalAsync(card, cancellationToken).ConfigureAwait(false))
        {
            card.Status = ToolCallStatus.Declined;
            card.Reason = "The elevation was not approved; the call was not sent again.";
            ui.Changed();
            return;
        }

        card.Status = ToolCallStatus.Running;
        ui.Changed();
        await mcp.CallAsync(card, arguments, options.AuditLinkTemplate, cancellationToken, (request, ct) => AskUserAsync(card, request, ui, ct)).ConfigureAwait(false);
        ui.Changed();
    }

    /// <summary>
    /// The server asks for input in the middle of a call (MRTR <c>input_required</c>, or an elicitation request): a URL
    /// is an approval (the card shows the link and waits for the user's word), a form is filled in on the card.
    /// </summary>
    private static async ValueTask<ElicitResult> AskUserAsync(ToolCallCard card, ElicitRequestParams? request, IChatInteraction ui, CancellationToken cancellationToken)
    {
        if (request?.Mode == "url" && Uri.TryCreate(request.Url, UriKind.Absolute, out var url))
        {
            card.Status = ToolCallStatus.ApprovalRequired;
            card.ApprovalUrl = url;
            card.Reason = request.Message;
            ui.Changed();
            var approved = await ui.WaitForApprovalAsync(card, cancellationToken).ConfigureAwait(false);
            card.Status = ToolCallStatus.Running;
            ui.Changed();
            return new ElicitResult { Action = approved ? "accept" : "decline" };
        }

        card.Status = ToolCallStatus.InputRequired;
        card.InputMessage = request?.Message ?? "The server asks for more input.";
        card.InputSchema = request?.RequestedSchema is { } schema ? JsonSerializer.SerializeToElement(schema, McpJsonUtilities.DefaultOptions) : null;
        ui.Changed();
        var answers = await ui.ProvideInputAsync(card, cancellationToken).ConfigureAwait(false);
        card.Status = ToolCallStatus.Running;
        ui.Changed();
        return answers is null
            ? new ElicitResult { Action = "decline" }
            : new ElicitResult { Action = "accept", Content = answers.ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal) };
    }

    /// <summary>The arguments as a card shows them: indented, readable JSON (<see cref="Msil.Mcp.Display.DisplayJson"/>).</summary>
    internal static string ArgumentsText(IReadOnlyDictionary<string, JsonElement> arguments)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in arguments)
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return Msil.Mcp.Display.DisplayJson.Format(document.RootElement);
    }

    private static Dictionary<string, JsonElement> ToJson(IDictionary<string, object?>? arguments)
    {
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (arguments is null)
        {
            return result;
        }

        foreach (var (name, value) in arguments)
        {
            result[name] = value is JsonElement element ? element.Clone() : JsonSerializer.SerializeToElement(value, AIJsonUtilities.DefaultOptions);
        }

        return result;
    }
}
