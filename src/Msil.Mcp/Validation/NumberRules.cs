using System.Text.Json;

namespace Msil.Mcp.Validation;

/// <summary>A numeric bound or divisor from the schema, kept as a long (when integral), a decimal and a double.</summary>
internal sealed class NumberLimit
{
    private readonly bool _isInt64;
    private readonly long _int64;
    private readonly bool _hasDecimal;
    private readonly decimal _decimal;
    private readonly double _double;

    private NumberLimit(JsonElement value)
    {
        _isInt64 = value.TryGetInt64(out _int64);
        _hasDecimal = JsonText.TryReadDecimal(value, out _decimal);
        _double = JsonText.ReadDouble(value);
        Text = value.GetRawText();
    }

    /// <summary>Gets the value as written in the schema, for messages.</summary>
    internal string Text { get; }

    internal bool IsPositive => _double > 0;

    internal static NumberLimit? From(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number ? new NumberLimit(value) : null;

    /// <summary>Compares an instance number with this limit (negative: the instance is smaller).</summary>
    internal int CompareInstance(in InstanceNumber number)
    {
        if (number.IsInt64 && _isInt64)
        {
            return number.Int64.CompareTo(_int64);
        }

        return number.HasDecimal && _hasDecimal ? number.Decimal.CompareTo(_decimal) : number.Double.CompareTo(_double);
    }

    /// <summary>Tells whether an instance number is an integer multiple of this (positive) divisor.</summary>
    internal bool Divides(in InstanceNumber number)
    {
        if (number.IsInt64 && _isInt64)
        {
            return number.Int64 % _int64 == 0;
        }

        if (number.HasDecimal && _hasDecimal)
        {
            try
            {
                return number.Decimal % _decimal == 0m;
            }
            catch (OverflowException)
            {
                // Fall through to the floating-point check.
            }
        }

        double quotient = number.Double / _double;
        if (!double.IsFinite(quotient))
        {
            return false;
        }

        return Math.Abs(quotient - Math.Round(quotient)) <= 1e-9 * Math.Max(1, Math.Abs(quotient));
    }
}

/// <summary>An instance number read once: as a long when it is written as one, else exactly as a decimal when it fits.</summary>
internal readonly struct InstanceNumber
{
    internal InstanceNumber(JsonElement number)
    {
        if (number.TryGetInt64(out long integer))
        {
            IsInt64 = true;
            Int64 = integer;
            HasDecimal = true;
            Decimal = integer;
            Double = integer;
            return;
        }

        HasDecimal = JsonText.TryReadDecimal(number, out decimal exact);
        Decimal = exact;
        Double = HasDecimal ? (double)exact : JsonText.ReadDouble(number);
    }

    internal bool IsInt64 { get; }

    internal long Int64 { get; }

    internal bool HasDecimal { get; }

    internal decimal Decimal { get; }

    internal double Double { get; }
}

/// <summary>The keywords for numbers: bounds, <c>multipleOf</c> and the OpenAPI <c>int32</c>/<c>int64</c> formats.</summary>
internal sealed class NumberRules
{
    internal NumberLimit? Minimum { get; set; }

    internal NumberLimit? Maximum { get; set; }

    internal NumberLimit? ExclusiveMinimum { get; set; }

    internal NumberLimit? ExclusiveMaximum { get; set; }

    internal NumberLimit? MultipleOf { get; set; }

    internal SchemaFormat Format { get; set; }

    internal string? MinimumMessage { get; set; }

    internal string? MaximumMessage { get; set; }

    internal string? ExclusiveMinimumMessage { get; set; }

    internal string? ExclusiveMaximumMessage { get; set; }

    internal string? MultipleOfMessage { get; set; }

    internal bool Evaluate(JsonElement instance, ValidationContext context)
    {
        var number = new InstanceNumber(instance);
        bool valid = true;
        if (Minimum is not null && Minimum.CompareInstance(number) < 0)
        {
            valid = context.Fail(MinimumMessage!);
        }

        if (Maximum is not null && Maximum.CompareInstance(number) > 0)
        {
            valid = context.Fail(MaximumMessage!);
        }

        if (ExclusiveMinimum is not null && ExclusiveMinimum.CompareInstance(number) <= 0)
        {
            valid = context.Fail(ExclusiveMinimumMessage!);
        }

        if (ExclusiveMaximum is not null && ExclusiveMaximum.CompareInstance(number) >= 0)
        {
            valid = context.Fail(ExclusiveMaximumMessage!);
        }

        if (MultipleOf is not null && !MultipleOf.Divides(number))
        {
            valid = context.Fail(MultipleOfMessage!);
        }

        if (Format != SchemaFormat.None && !FitsFormat(instance, number))
        {
            valid = context.Fail(JsonFormats.Message(Format));
        }

        return valid;
    }

    private bool FitsFormat(JsonElement instance, in InstanceNumber number)
    {
        if (!JsonText.IsInteger(instance))
        {
            return false;
        }

        return Format == SchemaFormat.Int32
            ? number.Double is >= int.MinValue and <= int.MaxValue
            : number.HasDecimal && number.Decimal is >= long.MinValue and <= long.MaxValue;
    }
}
