using System.Net;
using System.Net.Sockets;

namespace Msil.Mcp.Validation;

/// <summary>The <c>format</c> values that are checked; any other format is ignored.</summary>
internal enum SchemaFormat
{
    None,
    DateTime,
    Date,
    Time,
    Uuid,
    Email,
    Uri,
    IPv4,
    IPv6,
    Int32,
    Int64,
}

/// <summary>Allocation-free checks for the string formats of JSON Schema (RFC 3339, RFC 4122, ...).</summary>
internal static class JsonFormats
{
    internal static SchemaFormat Parse(string? format) => format switch
    {
        "date-time" => SchemaFormat.DateTime,
        "date" => SchemaFormat.Date,
        "time" => SchemaFormat.Time,
        "uuid" => SchemaFormat.Uuid,
        "email" or "idn-email" => SchemaFormat.Email,
        "uri" => SchemaFormat.Uri,
        "ipv4" => SchemaFormat.IPv4,
        "ipv6" => SchemaFormat.IPv6,
        "int32" => SchemaFormat.Int32,
        "int64" => SchemaFormat.Int64,
        _ => SchemaFormat.None,
    };

    internal static bool IsNumeric(SchemaFormat format) => format is SchemaFormat.Int32 or SchemaFormat.Int64;

    internal static string Message(SchemaFormat format) => format switch
    {
        SchemaFormat.DateTime => "must be a date-time in RFC 3339 format, e.g. 2025-01-31T09:30:00Z",
        SchemaFormat.Date => "must be a date in YYYY-MM-DD format, e.g. 2025-01-31",
        SchemaFormat.Time => "must be a time in HH:MM:SS format, e.g. 09:30:00 or 09:30:00+05:30",
        SchemaFormat.Uuid => "must be a UUID, e.g. 123e4567-e89b-12d3-a456-426614174000",
        SchemaFormat.Email => "must be an email address, e.g. name@example.com",
        SchemaFormat.Uri => "must be an absolute URI, e.g. https://example.com/path",
        SchemaFormat.IPv4 => "must be an IPv4 address, e.g. 192.168.0.1",
        SchemaFormat.IPv6 => "must be an IPv6 address, e.g. 2001:db8::1",
        SchemaFormat.Int32 => "must be a 32-bit integer (-2147483648 to 2147483647)",
        SchemaFormat.Int64 => "must be a 64-bit integer (-9223372036854775808 to 9223372036854775807)",
        _ => "must match format",
    };

    internal static bool IsValid(SchemaFormat format, ReadOnlySpan<char> text) => format switch
    {
        SchemaFormat.DateTime => IsDateTime(text),
        SchemaFormat.Date => IsDate(text),
        SchemaFormat.Time => IsTime(text, offsetRequired: false),
        SchemaFormat.Uuid => text.Length == 36 && Guid.TryParseExact(text, "D", out _),
        SchemaFormat.Email => IsEmail(text),
        SchemaFormat.Uri => IsUri(text),
        SchemaFormat.IPv4 => IsIPv4(text),
        SchemaFormat.IPv6 => IsIPv6(text),
        _ => true,
    };

    /// <summary>RFC 3339 <c>date-time</c>: full-date "T" full-time, with a required offset.</summary>
    internal static bool IsDateTime(ReadOnlySpan<char> text) =>
        text.Length >= 20 && IsDate(text[..10]) && text[10] is 'T' or 't' && IsTime(text[11..], offsetRequired: true);

    /// <summary>RFC 3339 <c>full-date</c>: YYYY-MM-DD with a real day of the month.</summary>
    internal static bool IsDate(ReadOnlySpan<char> text)
    {
        if (text.Length != 10 || text[4] != '-' || text[7] != '-'
            || !TryDigits(text[..4], out int year) || !TryDigits(text.Slice(5, 2), out int month)
            || !TryDigits(text.Slice(8, 2), out int day))
        {
            return false;
        }

        return month is >= 1 and <= 12 && day >= 1 && day <= DaysInMonth(year, month);
    }

    /// <summary>RFC 3339 <c>full-time</c>: HH:MM:SS[.frac](Z|±HH:MM); the offset may be left out unless required.</summary>
    internal static bool IsTime(ReadOnlySpan<char> text, bool offsetRequired)
    {
        if (text.Length < 8 || text[2] != ':' || text[5] != ':'
            || !TryDigits(text[..2], out int hour) || !TryDigits(text.Slice(3, 2), out int minute)
            || !TryDigits(text.Slice(6, 2), out int second)
            || hour > 23 || minute > 59 || second > 60)
        {
            return false;
        }

        ReadOnlySpan<char> rest = text[8..];
        if (!rest.IsEmpty && rest[0] == '.')
        {
            int digits = 1;
            while (digits < rest.Length && char.IsAsciiDigit(rest[digits]))
            {
                digits++;
            }

            if (digits == 1)
            {
                return false;
            }

            rest = rest[digits..];
        }

        if (rest.IsEmpty)
        {
            return !offsetRequired;
        }

        if (rest.Length == 1)
        {
            return rest[0] is 'Z' or 'z';
        }

        return rest.Length == 6 && rest[0] is '+' or '-' && rest[3] == ':'
            && TryDigits(rest.Slice(1, 2), out int offsetHour) && TryDigits(rest.Slice(4, 2), out int offsetMinute)
            && offsetHour <= 23 && offsetMinute <= 59;
    }

    /// <summary>A loose e-mail check: one <c>@</c> between a non-empty local part and a dotted-or-plain domain.</summary>
    internal static bool IsEmail(ReadOnlySpan<char> text)
    {
        int at = text.LastIndexOf('@');
        if (at <= 0 || at == text.Length - 1 || at > 64 || text.Length > 320)
        {
            return false;
        }

        ReadOnlySpan<char> local = text[..at];
        ReadOnlySpan<char> domain = text[(at + 1)..];
        if (local[0] == '.' || local[^1] == '.' || domain[0] is '.' or '-' || domain[^1] is '.' or '-'
            || domain.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (char c in text)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is '<' or '>' or '(' or ')' or ',' or ';' or '\\')
            {
                return false;
            }
        }

        return !local.Contains('"') && !domain.Contains('@');
    }

    /// <summary>An absolute URI: a scheme, a colon, and no characters that RFC 3986 never allows.</summary>
    internal static bool IsUri(ReadOnlySpan<char> text)
    {
        int colon = text.IndexOf(':');
        if (colon < 1 || !char.IsAsciiLetter(text[0]))
        {
            return false;
        }

        for (int i = 1; i < colon; i++)
        {
            char c = text[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.'))
            {
                return false;
            }
        }

        for (int i = colon + 1; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '%')
            {
                if (i + 2 >= text.Length || !char.IsAsciiHexDigit(text[i + 1]) || !char.IsAsciiHexDigit(text[i + 2]))
                {
                    return false;
                }
            }
            else if (c <= ' ' || c >= '\u007f' || c is '<' or '>' or '"' or '{' or '}' or '|' or '\\' or '^' or '`')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A dotted-quad IPv4 address without leading zeros.</summary>
    internal static bool IsIPv4(ReadOnlySpan<char> text)
    {
        int parts = 0;
        while (true)
        {
            int dot = text.IndexOf('.');
            ReadOnlySpan<char> part = dot < 0 ? text : text[..dot];
            if (part.IsEmpty || part.Length > 3 || (part.Length > 1 && part[0] == '0')
                || !TryDigits(part, out int value) || value > 255)
            {
                return false;
            }

            parts++;
            if (dot < 0)
            {
                return parts == 4;
            }

            text = text[(dot + 1)..];
        }
    }

    /// <summary>An IPv6 address (RFC 4291 text forms), without zone or brackets.</summary>
    internal static bool IsIPv6(ReadOnlySpan<char> text) =>
        text.Contains(':') && !text.ContainsAny('%', '[', ']') && !text.ContainsAny(' ', '/')
        && IPAddress.TryParse(text, out IPAddress? address) && address.AddressFamily == AddressFamily.InterNetworkV6;

    private static bool TryDigits(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        foreach (char c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }

    private static int DaysInMonth(int year, int month) => month switch
    {
        2 => (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28,
        4 or 6 or 9 or 11 => 30,
        _ => 31,
    };
}
