using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Msil.Mcp.Http;

/// <summary>What every package's REST endpoints read the same way from a request: the correlation id and paging.</summary>
internal static class HttpRequestInfo
{
    /// <summary>The header that carries the correlation id (set on the response by the core's correlation middleware).</summary>
    public const string CorrelationHeader = "X-Correlation-ID";

    /// <summary>The default page size of every list answer.</summary>
    public const int DefaultPageSize = 50;

    /// <summary>The largest page size of every list answer.</summary>
    public const int MaxPageSize = 500;

    /// <summary>The highest page number accepted.</summary>
    public const int MaxPage = 1_000_000;

    /// <summary>Returns the request's correlation id: the <c>X-Correlation-ID</c> response header, else the trace identifier.</summary>
    public static string CorrelationId(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var id = context.Response.Headers[CorrelationHeader].ToString();
        return id.Length > 0 ? id : context.TraceIdentifier;
    }

    /// <summary>Reads <c>page</c> (1-based, default 1) and <c>page_size</c> (default 50, at most 500) from the query.</summary>
    /// <param name="request">The request.</param>
    /// <param name="page">The page, when valid.</param>
    /// <param name="pageSize">The page size, when valid.</param>
    /// <param name="error">When invalid: a message that names the field and the fix.</param>
    /// <returns><see langword="true"/> when both are valid (or absent).</returns>
    public static bool TryReadPaging(HttpRequest request, out int page, out int pageSize, out string? error)
    {
        ArgumentNullException.ThrowIfNull(request);
        pageSize = 0;
        if (!TryInt(request.Query["page"], 1, 1, MaxPage, out page))
        {
            error = "Query parameter 'page' must be a whole number from 1 (the first page) up; leave it out for page 1.";
            return false;
        }

        if (!TryInt(request.Query["page_size"], DefaultPageSize, 1, MaxPageSize, out pageSize))
        {
            error = $"Query parameter 'page_size' must be a whole number from 1 to {MaxPageSize}; leave it out for {DefaultPageSize}.";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>Parses a whole number in [<paramref name="min"/>, <paramref name="max"/>]; an absent value is <paramref name="fallback"/>.</summary>
    public static bool TryInt(string? text, int fallback, int min, int max, out int value)
    {
        if (string.IsNullOrEmpty(text))
        {
            value = fallback;
            return true;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
    }
}
