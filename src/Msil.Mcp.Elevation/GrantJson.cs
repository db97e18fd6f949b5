using System.Globalization;

namespace Msil.Mcp.Elevation;

/// <summary>The wire form of grants (seed §4.2 field names) shared by the REST endpoints and the Redis store.</summary>
internal static class GrantJson
{
    /// <summary>Formats a time as UTC ISO 8601 with a <c>Z</c>, fractions only when there are any (<c>2026-01-31T10:00:00Z</c>).</summary>
    public static string FormatTime(DateTimeOffset value)
        => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary>Parses an ISO 8601 time; one without an offset is taken as UTC.</summary>
    public static DateTimeOffset? ParseTime(string? value)
        => value is not null && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;
}
