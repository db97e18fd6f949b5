using System.Collections;

namespace Msil.Mcp.Diagnostics;

/// <summary>The log scope of one governed call: correlation id, user id and tool name (never claims, tokens or arguments).</summary>
internal sealed class CallLogScope(string correlationId, string userId, string tool) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public int Count => 3;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("correlation_id", correlationId),
        1 => new("user_id", userId),
        2 => new("mcp.tool.name", tool),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"correlation_id:{correlationId} user_id:{userId} tool:{tool}";
}
