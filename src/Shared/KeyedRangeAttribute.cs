using System.ComponentModel.DataAnnotations;

namespace Msil.Mcp.Diagnostics;

/// <summary>
/// A <see cref="RangeAttribute"/> for integer options whose <see cref="ValidationAttribute.ErrorMessage"/> reaches the
/// operator. The options validation source generator (<c>[OptionsValidator]</c>) replaces
/// <see cref="RangeAttribute"/> itself with a generated copy that always formats its built-in message ("The field … must
/// be between …") and drops <c>ErrorMessage</c> (dotnet/runtime#123137), so a message naming the configuration key and
/// the fix would be lost; a derived attribute is emitted as written and keeps it. Linked into every package that
/// validates options with the generator.
/// </summary>
/// <param name="minimum">The smallest value allowed.</param>
/// <param name="maximum">The largest value allowed.</param>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, AllowMultiple = false)]
internal sealed class KeyedRangeAttribute(int minimum, int maximum) : RangeAttribute(minimum, maximum);
