using System.Buffers;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Msil.Mcp.Validation;

/// <summary>The keywords for strings: lengths in Unicode code points, <c>pattern</c> and <c>format</c>.</summary>
internal sealed class StringRules
{
    internal int MinLength { get; set; } = -1;

    internal int MaxLength { get; set; } = -1;

    internal string? MinLengthMessage { get; set; }

    internal string? MaxLengthMessage { get; set; }

    internal Regex? Pattern { get; set; }

    internal string? PatternMessage { get; set; }

    internal string? PatternTimeoutMessage { get; set; }

    internal SchemaFormat Format { get; set; }

    internal bool Evaluate(JsonElement instance, ValidationContext context)
    {
        ReadOnlySpan<byte> utf8 = JsonText.GetStringUtf8(instance, out bool escaped);
        bool valid = true;
        if (MinLength >= 0 || MaxLength >= 0)
        {
            int length = escaped ? CountEscapedRunes(instance, utf8) : JsonText.CountRunes(utf8);
            if (length < MinLength)
            {
                valid = context.Fail(MinLengthMessage!);
            }

            if (MaxLength >= 0 && length > MaxLength)
            {
                valid = context.Fail(MaxLengthMessage!);
            }

            if (!valid && context.StopOnFailure)
            {
                return false;
            }
        }

        if (Pattern is null && Format == SchemaFormat.None)
        {
            return valid;
        }

        return utf8.Length <= JsonText.StackBufferChars
            ? EvaluateTextOnStack(instance, utf8, escaped, context) && valid
            : EvaluateTextPooled(instance, utf8, escaped, context) && valid;
    }

    private static int CountEscapedRunes(JsonElement instance, ReadOnlySpan<byte> utf8)
    {
        char[] rented = ArrayPool<char>.Shared.Rent(utf8.Length);
        int length = JsonText.DecodeString(instance, utf8, escaped: true, rented);
        int runes = JsonText.CountRunes(rented.AsSpan(0, length));
        ArrayPool<char>.Shared.Return(rented);
        return runes;
    }

    private bool EvaluateTextOnStack(JsonElement instance, ReadOnlySpan<byte> utf8, bool escaped, ValidationContext context)
    {
        Span<char> buffer = stackalloc char[JsonText.StackBufferChars];
        int length = JsonText.DecodeString(instance, utf8, escaped, buffer);
        return EvaluateText(buffer[..length], context);
    }

    private bool EvaluateTextPooled(JsonElement instance, ReadOnlySpan<byte> utf8, bool escaped, ValidationContext context)
    {
        char[] rented = ArrayPool<char>.Shared.Rent(utf8.Length);
        int length = JsonText.DecodeString(instance, utf8, escaped, rented);
        bool valid = EvaluateText(rented.AsSpan(0, length), context);
        ArrayPool<char>.Shared.Return(rented);
        return valid;
    }

    private bool EvaluateText(ReadOnlySpan<char> text, ValidationContext context)
    {
        bool valid = true;
        if (Pattern is not null)
        {
            try
            {
                if (!Pattern.IsMatch(text))
                {
                    valid = context.Fail(PatternMessage!);
                }
            }
            catch (RegexMatchTimeoutException)
            {
                valid = context.Fail(PatternTimeoutMessage!);
            }
        }

        if (Format != SchemaFormat.None && (valid || !context.StopOnFailure) && !JsonFormats.IsValid(Format, text))
        {
            valid = context.Fail(JsonFormats.Message(Format));
        }

        return valid;
    }
}
