namespace Msil.Mcp.Testing;

/// <summary>
/// One scripted exchange of an <see cref="OpenAiCompatibleTestServer"/>: when the last user message matches, the model
/// calls the scripted tools one after another (each after the previous tool's result came back) and then answers.
/// </summary>
public sealed class ScriptedChatTurn
{
    private readonly List<ScriptedToolCall> _calls = [];

    internal ScriptedChatTurn(Func<string, bool> matches) => Matches = matches;

    internal Func<string, bool> Matches { get; }

    internal IReadOnlyList<ScriptedToolCall> Calls => _calls;

    internal string Answer { get; private set; } = "Done.";

    internal Task? Hold { get; private set; }

    /// <summary>Adds a tool call the model makes, after any added before it has had its result.</summary>
    /// <param name="tool">The function (tool) name.</param>
    /// <param name="argumentsJson">The arguments as a JSON object text, streamed in pieces.</param>
    /// <returns>This turn.</returns>
    /// <exception cref="ArgumentException"><paramref name="tool"/> is empty.</exception>
    public ScriptedChatTurn CallsTool(string tool, string argumentsJson = "{}")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tool);
        ArgumentNullException.ThrowIfNull(argumentsJson);
        _calls.Add(new ScriptedToolCall(tool, argumentsJson));
        return this;
    }

    /// <summary>
    /// Sets the final answer. <c>{tool_result}</c> in it is replaced by the content of the last <c>role: tool</c> message
    /// the client sent back, so a test sees that the result reached the model.
    /// </summary>
    /// <param name="text">The answer.</param>
    /// <returns>This turn.</returns>
    public ScriptedChatTurn ThenAnswers(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Answer = text;
        return this;
    }

    /// <summary>
    /// Makes a streamed answer stop after its first piece until <paramref name="release"/> completes or the client goes
    /// away, so a test can see a half-streamed answer and cancel it (no timing involved).
    /// </summary>
    /// <param name="release">Completes when the rest of the answer may be sent.</param>
    /// <returns>This turn.</returns>
    public ScriptedChatTurn HoldsAnswerUntil(Task release)
    {
        ArgumentNullException.ThrowIfNull(release);
        Hold = release;
        return this;
    }
}

/// <summary>A tool call scripted in a <see cref="ScriptedChatTurn"/>.</summary>
/// <param name="Name">The function name.</param>
/// <param name="ArgumentsJson">The arguments, a JSON object text.</param>
internal sealed record ScriptedToolCall(string Name, string ArgumentsJson);
