using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Msil.Mcp.Audit.Query;

/// <summary>A query of <c>GET /api/audit</c> (and its export): filters (all optional, combined with AND), the store and the page.</summary>
internal sealed record AuditQuery
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;
    public const string Files = "files";
    public const string Postgres = "postgres";

    public string? User { get; init; }

    public string? Tool { get; init; }

    /// <summary>Gets <c>allow</c> or <c>deny</c>.</summary>
    public string? Decision { get; init; }

    public string? DecisionId { get; init; }

    public string? CorrelationId { get; init; }

    public string? Outcome { get; init; }

    public string? Action { get; init; }

    /// <summary>Gets the earliest time, inclusive.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Gets the latest time, exclusive.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Gets the store asked for (<c>files</c> or <c>postgres</c>), or <see langword="null"/> for the default.</summary>
    public string? Store { get; init; }

    /// <summary>Gets the 1-based page.</summary>
    public int Page { get; init; } = 1;

    public int PageSize { get; init; } = DefaultPageSize;

    /// <summary>Gets how many matching records (newest first) come before the page.</summary>
    public long Skip => (long)(Page - 1) * PageSize;

    /// <summary>Reads the query string; returns the problem found instead when it is not valid, naming the parameter and the fix.</summary>
    public static (AuditQuery? Query, string? Error) Parse(IQueryCollection q)
    {
        var query = new AuditQuery
        {
            User = Value(q, "user"),
            Tool = Value(q, "tool"),
            Decision = Value(q, "decision")?.ToLowerInvariant(),
            DecisionId = Value(q, "decision_id"),
            CorrelationId = Value(q, "correlation_id"),
            Outcome = Value(q, "outcome"),
            Action = Value(q, "action"),
            Store = Value(q, "store")?.ToLowerInvariant(),
        };
        if (query.Decision is not (null or "allow" or "deny"))
        {
            return (null, "Query parameter 'decision' must be 'allow' or 'deny'; leave it out for both.");
        }

        if (query.Store is not (null or Files or Postgres))
        {
            return (null, "Query parameter 'store' must be 'files' or 'postgres'; leave it out for PostgreSQL when configured, else the files.");
        }

        if (Value(q, "from") is { } from)
        {
            if (!DateTimeOffset.TryParse(from, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var f))
            {
                return (null, "Query parameter 'from' must be an ISO 8601 time, such as 2026-11-24T00:00:00Z.");
            }

            query = query with { From = f };
        }

        if (Value(q, "to") is { } to)
        {
            if (!DateTimeOffset.TryParse(to, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
            {
                return (null, "Query parameter 'to' must be an ISO 8601 time, such as 2026-11-25T00:00:00Z.");
            }

            query = query with { To = t };
        }

        if (query.From is { } a && query.To is { } b && b <= a)
        {
            return (null, "Query parameter 'to' must be after 'from'.");
        }

        if (Value(q, "page") is { } page)
        {
            if (!int.TryParse(page, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p < 1)
            {
                return (null, "Query parameter 'page' must be a whole number from 1 (the newest records) up; leave it out for page 1.");
            }

            query = query with { Page = p };
        }

        if (Value(q, "page_size") is { } size)
        {
            if (!int.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var s) || s is < 1 or > MaxPageSize)
            {
                return (null, $"Query parameter 'page_size' must be a whole number from 1 to {MaxPageSize}; leave it out for {DefaultPageSize}.");
            }

            query = query with { PageSize = s };
        }

        return (query, null);
    }

    private static string? Value(IQueryCollection q, string name)
        => q.TryGetValue(name, out var v) && v.Count > 0 && !string.IsNullOrWhiteSpace(v[0]) ? v[0]!.Trim() : null;

    /// <summary>Returns whether <paramref name="r"/> passes the filters.</summary>
    public bool Matches(ChainedRecord r)
        => (User is null || string.Equals(r.UserId, User, StringComparison.Ordinal))
        && (Tool is null || string.Equals(r.Tool, Tool, StringComparison.Ordinal))
        && (Decision is null || string.Equals(r.Decision, Decision, StringComparison.Ordinal))
        && (DecisionId is null || string.Equals(r.DecisionId, DecisionId, StringComparison.Ordinal))
        && (CorrelationId is null || string.Equals(r.CorrelationId, CorrelationId, StringComparison.Ordinal))
        && (Outcome is null || string.Equals(r.Outcome, Outcome, StringComparison.Ordinal))
        && (Action is null || string.Equals(r.Action, Action, StringComparison.Ordinal))
        && (From is null || r.Timestamp >= From)
        && (To is null || r.Timestamp < To);

    /// <summary>Describes the filters for the query's own audit record (values bounded by the caller).</summary>
    public string Describe()
        => $"user={User} tool={Tool} decision={Decision} decision_id={DecisionId} correlation_id={CorrelationId} outcome={Outcome} action={Action} from={From:O} to={To:O} store={Store}";
}

/// <summary>One page of records (their stored lines, newest first) and how many records match in all.</summary>
internal sealed record AuditPage(string Source, IReadOnlyList<string> Records, long Total);
