using System.Diagnostics.CodeAnalysis;

namespace Msil.Mcp.Configuration;

/// <summary>A configuration section a registered package binds to an options type; the start-up key check compares against it.</summary>
/// <param name="Path">The section's full path, for example <c>Msil:Mcp:Registry</c>.</param>
/// <param name="OptionsType">The type bound from it.</param>
internal sealed record KnownConfigurationSection(
    string Path,
    [property: DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type OptionsType);
