using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Msil.Mcp.Chat.Mcp;

/// <summary>Reads the governed server's answers (results, tool errors and JSON-RPC errors) into a <see cref="ToolCallCard"/>.</summary>
internal static partial class ToolOutcomes
{
    /// <summary>The most result characters a card keeps (and the model is sent).</summary>
    public const int MaxResultChars = 8000;

    public static void FromResult(ToolCallCard card, CallToolResult result)
    {
        var text = Text(result);
        if (result.IsError != true)
        {
            card.Status = ToolCallStatus.Succeeded;
            card.Result = Bound(text);
            card.Reason = null;
            return;
        }

        if (text.StartsWith("Invalid arguments for tool", StringComparison.Ordinal))
        {
            card.Status = ToolCallStatus.InvalidArguments;
            var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("- ", StringComparison.Ordinal)).Select(l => l[2..]).ToArray();
            card.InvalidFields = lines.Length > 0 ? lines : [text[(text.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()];
            card.Reason = Bound(text);
            return;
        }

        card.Status = ToolCallStatus.ToolError;
        card.Result = Bound(text);
    }

    public static void FromException(ToolCallCard card, Exception exception)
    {
        switch (exception)
        {
            case UrlElicitationRequiredException url:
                card.Status = ToolCallStatus.ApprovalRequired;
                card.Reason = url.Elicitations.Count > 0 ? url.Elicitations[0].Message : url.Message;
                card.ApprovalUrl = url.Elicitations.Select(e => Uri.TryCreate(e.Url, UriKind.Absolute, out var u) ? u : null).FirstOrDefault(u => u is not null)
                    ?? FirstUrl(url.Message);
                return;
            case McpProtocolException { ErrorCode: McpErrorCode.UrlElicitationRequired } protocol:
                card.Status = ToolCallStatus.ApprovalRequired;
                card.Reason = ServerText(protocol);
                card.ApprovalUrl = FirstUrl(protocol.Message);
                return;
            case McpProtocolException protocol when DeniedPattern().Match(protocol.Message) is { Success: true } denied:
                card.Status = ToolCallStatus.Denied;
                card.Reason = denied.Groups["reason"].Value;
                card.DecisionId = denied.Groups["decision"].Value;
                return;
            case McpProtocolException protocol when RateLimitPattern().Match(protocol.Message) is { Success: true } limited:
                card.Status = ToolCallStatus.RateLimited;
                card.Reason = ServerText(protocol);
                card.RetryAfter = TimeSpan.FromSeconds(int.Parse(limited.Groups["seconds"].Value, CultureInfo.InvariantCulture));
                return;
            case McpProtocolException { ErrorCode: McpErrorCode.InvalidParams } protocol when protocol.Message.Contains("Unknown tool", StringComparison.Ordinal):
                // The governed server answers a tool the caller may not list exactly like a made-up name (and audits it as
                // denied): the host says only what it knew before the call (the tool was not in this user's list) and what
                // the server answered; the correlation id (the same shape either way) is the reference in the audit log.
                card.Status = ToolCallStatus.Denied;
                card.Reason = (card.NotListed
                    ? "'" + card.ToolName + "' is not among the tools your account may use, so the server does not run it for you. "
                    : "The server does not offer this tool to you. ")
                    + "The server answered: " + ServerText(protocol);
                return;
            case McpProtocolException protocol:
                card.Status = ToolCallStatus.Failed;
                card.Reason = ServerText(protocol);
                return;
            case OperationCanceledException:
                card.Status = ToolCallStatus.Failed;
                card.Reason = "Cancelled before the server answered.";
                return;
            case Msil.Mcp.WebUi.MsilSignInRequiredException:
                card.Status = ToolCallStatus.Failed;
                card.Reason = "Your session has expired: sign in again.";
                return;
            case Msil.Mcp.WebUi.MsilApiException api:
                card.Status = ToolCallStatus.Failed;
                card.Reason = api.Problem.Title + (api.Problem.Detail is null ? string.Empty : ": " + api.Problem.Detail);
                return;
            case HttpRequestException http when http.StatusCode is System.Net.HttpStatusCode.Unauthorized:
                card.Status = ToolCallStatus.Failed;
                card.Reason = "The server did not accept your sign-in (401): sign in again.";
                return;
            default:
                card.Status = ToolCallStatus.Failed;
                card.Reason = "The MCP server could not be reached or answered unexpectedly (" + exception.GetType().Name + ").";
                return;
        }
    }

    /// <summary>What the model is told about the call: the result, or the refusal in words it can pass on.</summary>
    public static string ForModel(ToolCallCard card) => card.Status switch
    {
        ToolCallStatus.Succeeded => card.Result ?? string.Empty,
        ToolCallStatus.ToolError => "The tool reported an error: " + card.Result,
        ToolCallStatus.InvalidArguments => "The server refused the arguments: " + string.Join("; ", card.InvalidFields),
        ToolCallStatus.Denied => "The call was denied: " + card.Reason + (card.DecisionId is null ? string.Empty : " (decision " + card.DecisionId + ")"),
        ToolCallStatus.RateLimited => "The call was rate limited; it may be tried again in " + card.RetryAfter?.TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + " s.",
        ToolCallStatus.ApprovalRequired => "The tool needs an approved elevation, which the user has not completed: " + card.Reason,
        ToolCallStatus.Declined => "The user declined; the call was not sent.",
        _ => "The call failed: " + card.Reason,
    };

    /// <summary>
    /// The server's own words: the SDK's client puts <c>Request failed (remote): </c> before the JSON-RPC error's message,
    /// which tells a user nothing.
    /// </summary>
    internal static string ServerText(McpProtocolException protocol)
    {
        const string ClientPrefix = "Request failed (remote): ";
        var message = protocol.Message;
        return message.StartsWith(ClientPrefix, StringComparison.Ordinal) ? message[ClientPrefix.Length..] : message;
    }

    private static string Text(CallToolResult result)
    {
        var sb = new StringBuilder();
        foreach (var block in result.Content)
        {
            if (block is TextContentBlock text)
            {
                sb.Append(sb.Length > 0 ? "\n" : string.Empty).Append(text.Text);
            }
            else
            {
                sb.Append(sb.Length > 0 ? "\n" : string.Empty).Append('[').Append(block.Type).Append(" content]");
            }
        }

        if (sb.Length == 0 && result.StructuredContent is { } structured)
        {
            sb.Append(JsonSerializer.Serialize(structured, McpJsonUtilities.DefaultOptions));
        }

        return sb.ToString();
    }

    private static string Bound(string text) =>
        text.Length <= MaxResultChars ? text : string.Concat(text.AsSpan(0, MaxResultChars), "\n… (", (text.Length - MaxResultChars).ToString(CultureInfo.InvariantCulture), " more characters)");

    private static Uri? FirstUrl(string message) =>
        UrlPattern().Match(message) is { Success: true } m && Uri.TryCreate(m.Value.TrimEnd('.', ',', ')', '"'), UriKind.Absolute, out var uri) ? uri : null;

    [GeneratedRegex(@"denied by policy: (?<reason>.*) \(decision (?<decision>[^)\s]+)\)\.?$", RegexOptions.Singleline, 1000)]
    private static partial Regex DeniedPattern();

    [GeneratedRegex(@"Rate limit exceeded.*Retry in (?<seconds>\d+) s", RegexOptions.Singleline, 1000)]
    private static partial Regex RateLimitPattern();

    [GeneratedRegex(@"https?://[^\s""'<>]+", RegexOptions.None, 1000)]
    private static partial Regex UrlPattern();
}
