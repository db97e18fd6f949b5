using System.Collections.Frozen;
using System.Text;
using System.Text.Json;

namespace Msil.Mcp.Validation;

/// <summary>
/// <c>enum</c> or <c>const</c>: the instance must equal one of a fixed set of JSON values. String values are matched
/// against their UTF-8 bytes (or a frozen set for long lists) without decoding the instance.
/// </summary>
internal sealed class ValueSetRule
{
    private const int LinearScanLimit = 8;

    private readonly byte[][] _strings;
    private readonly JsonElement[] _others;
    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> _largeSet;
    private readonly bool _useLargeSet;

    private ValueSetRule(List<JsonElement> values, string message)
    {
        Message = message;
        var strings = new List<string>();
        var others = new List<JsonElement>();
        foreach (JsonElement value in values)
        {
            if (value.ValueKind == JsonValueKind.String)
            {
                strings.Add(value.GetString()!);
            }
            else
            {
                // Clone so the rule does not depend on the schema's JsonDocument staying alive.
                others.Add(value.Clone());
            }
        }

        _strings = new byte[strings.Count][];
        for (int i = 0; i < strings.Count; i++)
        {
            _strings[i] = Encoding.UTF8.GetBytes(strings[i]);
        }

        _others = [.. others];
        _useLargeSet = strings.Count > LinearScanLimit;
        if (_useLargeSet)
        {
            _largeSet = strings.ToFrozenSet(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        }
    }

    /// <summary>Gets the violation message, such as <c>must be one of: pending, contacted</c>.</summary>
    internal string Message { get; }

    internal static ValueSetRule ForEnum(JsonElement values)
    {
        var list = new List<JsonElement>();
        var shown = new StringBuilder("must be one of: ");
        int count = 0;
        foreach (JsonElement value in values.EnumerateArray())
        {
            list.Add(value);
            if (count < 20)
            {
                if (count > 0)
                {
                    shown.Append(", ");
                }

                shown.Append(JsonText.Show(value, quoteStrings: false));
            }

            count++;
        }

        if (count > 20)
        {
            shown.Append(", ... (").Append(count.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(" values in all)");
        }

        return new ValueSetRule(list, count == 0 ? "must not be given (no value is allowed)" : shown.ToString());
    }

    internal static ValueSetRule ForConst(JsonElement value) =>
        new([value], "must be " + JsonText.Show(value, quoteStrings: true));

    internal bool Contains(JsonElement instance, JsonValueKind kind)
    {
        if (kind == JsonValueKind.String)
        {
            return _useLargeSet ? ContainsLarge(instance) : ContainsSmall(instance);
        }

        foreach (JsonElement other in _others)
        {
            if (JsonElement.DeepEquals(instance, other))
            {
                return true;
            }
        }

        return false;
    }

    private bool ContainsSmall(JsonElement instance)
    {
        foreach (byte[] value in _strings)
        {
            if (instance.ValueEquals(value))
            {
                return true;
            }
        }

        return false;
    }

    private bool ContainsLarge(JsonElement instance)
    {
        ReadOnlySpan<byte> utf8 = JsonText.GetStringUtf8(instance, out bool escaped);
        if (utf8.Length > JsonText.StackBufferChars)
        {
            return _largeSet.Contains(instance.GetString()!);
        }

        Span<char> buffer = stackalloc char[JsonText.StackBufferChars];
        int length = JsonText.DecodeString(instance, utf8, escaped, buffer);
        return _largeSet.Contains(buffer[..length]);
    }
}
