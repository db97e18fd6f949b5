namespace Msil.Mcp.Chat;

/// <summary>Where a tool call shown in the chat stands.</summary>
public enum ToolCallStatus
{
    /// <summary>The tool is marked destructive: the user is asked to confirm before the call is sent.</summary>
    AwaitingConfirmation,

    /// <summary>The call has been sent; no answer yet.</summary>
    Running,

    /// <summary>The server ran the tool and returned its result.</summary>
    Succeeded,

    /// <summary>The tool ran and reported a failure of its own (a tool error).</summary>
    ToolError,

    /// <summary>The server refused the arguments; <see cref="ToolCallCard.InvalidFields"/> lists each problem.</summary>
    InvalidArguments,

    /// <summary>Policy refused the call (or the tool is not offered to this user); see <see cref="ToolCallCard.Reason"/>.</summary>
    Denied,

    /// <summary>A rate limit refused the call; see <see cref="ToolCallCard.RetryAfter"/>.</summary>
    RateLimited,

    /// <summary>The tool needs an approved elevation first; see <see cref="ToolCallCard.ApprovalUrl"/>.</summary>
    ApprovalRequired,

    /// <summary>The user declined to confirm or to approve; nothing more was sent.</summary>
    Declined,

    /// <summary>The call failed for another reason (server unreachable, protocol error, cancelled).</summary>
    Failed,

    /// <summary>
    /// The server answered <c>input_required</c> (MRTR, protocol revision 2026-07-28): it asks the user for input
    /// (<see cref="ToolCallCard.InputMessage"/>, a form from <see cref="ToolCallCard.InputSchema"/>) before it goes on.
    /// </summary>
    InputRequired,
}

/// <summary>A tool call as the chat shows it: the tool, its arguments and the governed outcome.</summary>
public sealed class ToolCallCard
{
    /// <summary>Gets or sets the card's id (the model's call id, or one made for a manual call).</summary>
    public string Id { get; set; } = string.Empty;

    /// <summary>Gets or sets the tool's name.</summary>
    public string ToolName { get; set; } = string.Empty;

    /// <summary>Gets or sets the arguments as sent, as indented JSON.</summary>
    public string ArgumentsJson { get; set; } = "{}";

    /// <summary>Gets or sets a value indicating whether the server marks the tool <c>destructiveHint</c>.</summary>
    public bool Destructive { get; set; }

    /// <summary>Gets or sets where the call stands.</summary>
    public ToolCallStatus Status { get; set; } = ToolCallStatus.Running;

    /// <summary>Gets or sets the tool's result text (success or tool error), bounded for display.</summary>
    public string? Result { get; set; }

    /// <summary>Gets or sets why the call was refused or failed, as the server said it.</summary>
    public string? Reason { get; set; }

    /// <summary>Gets or sets the policy decision id of a denial, when the server gave one.</summary>
    public string? DecisionId { get; set; }

    /// <summary>Gets or sets the problems with the arguments (<c>path: message</c>), for <see cref="ToolCallStatus.InvalidArguments"/>.</summary>
    public IReadOnlyList<string> InvalidFields { get; set; } = [];

    /// <summary>Gets or sets when a rate-limited call may be tried again.</summary>
    public TimeSpan? RetryAfter { get; set; }

    /// <summary>Gets or sets the page where the elevation is approved, for <see cref="ToolCallStatus.ApprovalRequired"/>.</summary>
    public Uri? ApprovalUrl { get; set; }

    /// <summary>Gets or sets the server's correlation id of the call's last attempt (its audit record's reference).</summary>
    public string? CorrelationId { get; set; }

    /// <summary>Gets or sets the link to the call's audit record.</summary>
    public string? AuditLink { get; set; }

    /// <summary>Gets or sets how many times the call was sent (2 after an approved elevation's retry).</summary>
    public int Attempts { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the tool is missing from the list the server gave this user, so the host
    /// knew before the call that the server was not going to run it (the model asked for a tool it was not offered).
    /// </summary>
    public bool NotListed { get; set; }

    /// <summary>Gets or sets what the server asks the user for, for <see cref="ToolCallStatus.InputRequired"/>.</summary>
    public string? InputMessage { get; set; }

    /// <summary>Gets or sets the JSON schema of the input the server asks for (a flat object), for <see cref="ToolCallStatus.InputRequired"/>.</summary>
    public System.Text.Json.JsonElement? InputSchema { get; set; }
}
