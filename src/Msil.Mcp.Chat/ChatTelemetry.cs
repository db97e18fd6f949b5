using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Msil.Mcp.Chat;

/// <summary>
/// The chat host's Meter and ActivitySource (both <c>Msil.Mcp.Chat</c>, listed in <c>MsilMcpTelemetry.SourceNames</c>):
/// a span <c>run turn</c> around each conversation turn, a counter of tool calls by how they ended and a histogram of the
/// language model's calls by outcome. Tags carry only fixed values (never a prompt, a tool name, a model name or an
/// argument).
/// </summary>
internal sealed class ChatTelemetry
{
    /// <summary>The Meter and ActivitySource name (= the PackageId).</summary>
    public const string Name = "Msil.Mcp.Chat";

    /// <summary>The counter of tool calls sent from the chat (model or manual mode), tagged with <see cref="ToolCallOutcomeTag"/>.</summary>
    public const string ToolCallsInstrument = "msil.mcp.chat.tool_calls";

    /// <summary>The histogram of the language model's streamed calls, tagged with <see cref="ModelOutcomeTag"/>.</summary>
    public const string ModelDurationInstrument = "msil.mcp.chat.model.duration";

    /// <summary>The tag saying how a tool call ended: <c>succeeded</c>, <c>tool_error</c>, <c>invalid_arguments</c>, <c>denied</c>, <c>rate_limited</c>, <c>approval_required</c>, <c>declined</c>, <c>input_required</c> or <c>failed</c>.</summary>
    public const string ToolCallOutcomeTag = "msil.chat.tool_call.outcome";

    /// <summary>The tag saying how a model call ended: <c>success</c>, <c>error</c> or <c>cancelled</c>.</summary>
    public const string ModelOutcomeTag = "msil.chat.model.outcome";

    /// <summary>The span tag counting the tool calls the model asked for in a turn.</summary>
    public const string TurnToolCallsTag = "msil.chat.turn.tool_calls";

    private readonly Counter<long> _toolCalls;
    private readonly Histogram<double> _modelDuration;

    public ChatTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(Name);
        _toolCalls = meter.CreateCounter<long>(ToolCallsInstrument, "{call}", "Tool calls the chat sent to the MCP server (the model's or manual ones), by how they ended.");
        _modelDuration = meter.CreateHistogram<double>(ModelDurationInstrument, "s", "Time of one streamed call to the language model, by outcome.");
    }

    /// <summary>Gets the chat host's ActivitySource.</summary>
    public static ActivitySource Source { get; } = new(Name);

    /// <summary>Starts the span of one conversation turn, or returns <see langword="null"/> when nobody listens.</summary>
    public static Activity? StartTurn() => Source.StartActivity("run turn");

    /// <summary>Counts a tool call that ended with <paramref name="status"/>.</summary>
    public void ToolCallEnded(ToolCallStatus status)
        => _toolCalls.Add(1, new KeyValuePair<string, object?>(ToolCallOutcomeTag, Outcome(status)));

    /// <summary>Records one model call's duration and outcome (<c>success</c>, <c>error</c>, <c>cancelled</c>).</summary>
    public void ModelCalled(TimeSpan elapsed, string outcome)
        => _modelDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>(ModelOutcomeTag, outcome));

    /// <summary>The fixed tag value of a tool call's end.</summary>
    internal static string Outcome(ToolCallStatus status) => status switch
    {
        ToolCallStatus.Succeeded => "succeeded",
        ToolCallStatus.ToolError => "tool_error",
        ToolCallStatus.InvalidArguments => "invalid_arguments",
        ToolCallStatus.Denied => "denied",
        ToolCallStatus.RateLimited => "rate_limited",
        ToolCallStatus.ApprovalRequired => "approval_required",
        ToolCallStatus.Declined => "declined",
        ToolCallStatus.InputRequired => "input_required",
        _ => "failed",
    };
}
