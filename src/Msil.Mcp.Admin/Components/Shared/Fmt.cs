using System.Globalization;
using System.Text.Json;

namespace Msil.Mcp.Admin.Components.Shared;

/// <summary>Formatting shared by the pages (UTC, invariant).</summary>
internal static class Fmt
{
    public static string Time(DateTimeOffset? value) => value is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "—";

    public static string List(IEnumerable<string>? values) => values is null ? "—" : string.Join(", ", values) is { Length: > 0 } s ? s : "—";

    /// <summary>A JSON value as a person reads it: indented, characters as themselves (<see cref="Msil.Mcp.Display.DisplayJson"/>).</summary>
    public static string Json(JsonElement? value) => value is { ValueKind: not JsonValueKind.Undefined } v
        ? Msil.Mcp.Display.DisplayJson.Format(v)
        : "null";

    public static List<string> Split(string? text) => (text ?? string.Empty)
        .Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Distinct(StringComparer.Ordinal)
        .ToList();
}
