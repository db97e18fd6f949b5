using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Msil.Mcp.Audit.Query;

/// <summary>A query of <c>GET /api/audit</c>: filters (all optional, combined with AND), a page size and a cursor.</summary>
internal sealed record AuditQuery
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public string? User { get; init; }

    public string? Tool { get; init; }

    /// <summary>Gets <c>allow</c> or <c>deny</c>.</summary>
    public string? Decision { get; init; }

    public string? Outcome { get; init; }

    public string? Action { get; init; }

    /// <summary>Gets the earliest time, inclusive.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Gets the latest time, exclusive.</summary>
    public DateTimeOffset? To { get; init; }

    public int Limit { get; init; } = DefaultLimit;

    /// <summary>Gets the decoded cursor: where the previous page ended.</summary>
    public string? After { get; init; }

    /// <summary>Reads the query string; returns the problems found instead when it is not valid.</summary>
    public static (AuditQuery? Query, string? Error) Parse(IQueryCollection q)
    {
        var query = new AuditQuery
        {
            User = Value(q, "user"),
            Tool = Value(q, "tool"),
            Decision = Value(q, "decision")?.ToLowerInvariant(),
            Outcome = Value(q, "outcome"),
            Action = Value(q, "action"),
        };
        if (query.Decision is not (null or "allow" or "deny"))
        {
            return (null, "'decision' must be 'allow' or 'deny'.");
        }

        if (Value(q, "from") is { } from)
        {
            if (!DateTimeOffset.TryParse(from, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var f))
            {
                return (null, "'from' must be an ISO 8601 time, such as 2026-11-24T00:00:00Z.");
            }

            query = query with { From = f };
        }

        if (Value(q, "to") is { } to)
        {
            if (!DateTimeOffset.TryParse(to, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
            {
                return (null, "'to' must be an ISO 8601 time, such as 2026-11-25T00:00:00Z.");
            }

            query = query with { To = t };
        }

        if (query.From is { } a && query.To is { } b && b <= a)
        {
            return (null, "'to' must be after 'from'.");
        }

        if (Value(q, "limit") is { } limit)
        {
            if (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var l) || l is < 1 or > MaxLimit)
            {
                return (null, $"'limit' must be a whole number from 1 to {MaxLimit}.");
            }

            query = query with { Limit = l };
        }

        if (Value(q, "cursor") is { } cursor)
        {
            var decoded = DecodeCursor(cursor);
            if (decoded is null)
            {
                return (null, "'cursor' is not one this API returned; pass the 'next' value of the previous page unchanged.");
            }

            query = query with { After = decoded };
        }

        return (query, null);
    }

    public static string EncodeCursor(string value) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(value));

    private static string? DecodeCursor(string cursor)
    {
        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string? Value(IQueryCollection q, string name)
        => q.TryGetValue(name, out var v) && v.Count > 0 && !string.IsNullOrWhiteSpace(v[0]) ? v[0]!.Trim() : null;

    /// <summary>Returns whether <paramref name="r"/> passes the filters (not the cursor).</summary>
    public bool Matches(ChainedRecord r)
        => (User is null || string.Equals(r.UserId, User, StringComparison.Ordinal))
        && (Tool is null || string.Equals(r.Tool, Tool, StringComparison.Ordinal))
        && (Decision is null || string.Equals(r.Decision, Decision, StringComparison.Ordinal))
        && (Outcome is null || string.Equals(r.Outcome, Outcome, StringComparison.Ordinal))
        && (Action is null || string.Equals(r.Action, Action, StringComparison.Ordinal))
        && (From is null || r.Timestamp >= From)
        && (To is null || r.Timestamp < To);
}

/// <summary>One page of records (their stored lines) and the cursor of the next page.</summary>
internal sealed record AuditPage(string Source, IReadOnlyList<string> Records, string? Next);
