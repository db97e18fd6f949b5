using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Msil.Mcp.Apim.Resilience;

/// <summary>
/// Checks that a <see cref="TimeSpan"/> lies within a range (inclusive). <c>[Range(typeof(TimeSpan), …)]</c> would do
/// the same through a type converter, which is not safe to trim.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class TimeSpanRangeAttribute(string minimum, string maximum) : ValidationAttribute("The field {0} must be between {1} and {2}.")
{
    public TimeSpan Minimum { get; } = TimeSpan.Parse(minimum, CultureInfo.InvariantCulture);

    public TimeSpan Maximum { get; } = TimeSpan.Parse(maximum, CultureInfo.InvariantCulture);

    public override bool IsValid(object? value) => value is not TimeSpan span || (span >= Minimum && span <= Maximum);

    public override string FormatErrorMessage(string name)
        => string.Format(CultureInfo.InvariantCulture, ErrorMessageString, name, Minimum, Maximum);
}
