using System.Collections.Frozen;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Msil.Mcp.Validation;

/// <summary>
/// The property names a schema knows (from <c>properties</c> and <c>required</c>), each with a dense index. Instance
/// property names are matched on their raw UTF-8 bytes: a short array scan for a few names, a frozen dictionary
/// for many. Nothing is allocated unless a name contains JSON escapes.
/// </summary>
internal sealed class PropertyNameTable
{
    private const int LinearScanLimit = 8;

    private readonly string[] _names;
    private readonly byte[][] _utf8;
    private readonly FrozenDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly bool _useLookup;

    internal PropertyNameTable(string[] names)
    {
        _names = names;
        _utf8 = new byte[names.Length][];
        var indexes = new Dictionary<string, int>(names.Length, StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++)
        {
            _utf8[i] = Encoding.UTF8.GetBytes(names[i]);
            indexes[names[i]] = i;
        }

        _useLookup = names.Length > LinearScanLimit;
        if (_useLookup)
        {
            _lookup = indexes.ToFrozenDictionary(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        }
    }

    internal int Count => _names.Length;

    internal string this[int index] => _names[index];

    /// <summary>Returns the index of the property's name, or -1 when the schema does not know it.</summary>
    /// <param name="property">The instance property.</param>
    /// <param name="hint">
    /// The index to try first; callers pass the previous match plus one, because arguments usually arrive in the
    /// order the schema lists them.
    /// </param>
    internal int IndexOf(JsonProperty property, int hint)
    {
        if (_names.Length == 0)
        {
            return -1;
        }

        ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8PropertyName(property);
        if (raw.Contains((byte)'\\'))
        {
            return IndexOfEscaped(property);
        }

        byte[][] utf8 = _utf8;
        if ((uint)hint < (uint)utf8.Length && raw.SequenceEqual(utf8[hint]))
        {
            return hint;
        }

        if (!_useLookup)
        {
            for (int i = 0; i < utf8.Length; i++)
            {
                if (raw.SequenceEqual(utf8[i]))
                {
                    return i;
                }
            }

            return -1;
        }

        return raw.Length <= JsonText.StackBufferChars ? IndexOfDecoded(raw) : IndexOfEscaped(property);
    }

    private int IndexOfDecoded(ReadOnlySpan<byte> raw)
    {
        Span<char> buffer = stackalloc char[JsonText.StackBufferChars];
        int length = Encoding.UTF8.GetChars(raw, buffer);
        return _lookup.TryGetValue(buffer[..length], out int index) ? index : -1;
    }

    private int IndexOfEscaped(JsonProperty property)
    {
        for (int i = 0; i < _names.Length; i++)
        {
            if (property.NameEquals(_names[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
