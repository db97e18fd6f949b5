using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;

namespace Msil.Mcp.Http;

/// <summary>
/// The one problem answer (RFC 9457, <c>application/problem+json</c>) of every package's REST endpoints: a thin layer
/// over the framework's <see cref="TypedResults.Problem(string?, string?, int?, string?, string?, IDictionary{string, object?}?)"/>
/// that keeps the wire fields the endpoints always had (<c>type</c>, <c>title</c>, <c>status</c>, <c>detail</c>). A host that
/// calls <c>AddProblemDetails()</c> gets its customisation applied too (the framework's <see cref="IProblemDetailsService"/>).
/// Linked into each package (like <c>CallerText</c>), so there is one writer, not a copy per package.
/// </summary>
internal static class HttpProblem
{
    /// <summary>The problem type of an error that needs no more than its status and detail (RFC 9457, section 4.2.1).</summary>
    public const string AboutBlank = "about:blank";

    /// <summary>Returns the problem answer: <paramref name="status"/>, its reason phrase as title, and <paramref name="detail"/>.</summary>
    /// <param name="status">The HTTP status code (4xx or 5xx).</param>
    /// <param name="detail">What went wrong, naming the field and the fix.</param>
    /// <param name="type">The problem type URI; <see cref="AboutBlank"/> unless the package documents its own.</param>
    public static ProblemHttpResult Result(int status, string detail, string type = AboutBlank)
        => TypedResults.Problem(detail: detail, statusCode: status, title: Title(status), type: type);

    /// <summary>Returns the problem answer with extension members after <c>detail</c> (e.g. <c>change_id</c>, <c>elevation_url</c>).</summary>
    /// <param name="status">The HTTP status code (4xx or 5xx).</param>
    /// <param name="detail">What went wrong, naming the field and the fix.</param>
    /// <param name="type">The problem type URI.</param>
    /// <param name="extensions">The extension members (strings, numbers, booleans or null).</param>
    public static ProblemHttpResult Result(int status, string detail, string type, IDictionary<string, object?> extensions)
        => TypedResults.Problem(detail: detail, statusCode: status, title: Title(status), type: type, extensions: extensions);

    /// <summary>Writes the problem answer of <see cref="Result(int, string, string)"/> to <paramref name="context"/> (for code that is not an endpoint's return value).</summary>
    public static Task WriteAsync(HttpContext context, int status, string detail, string type = AboutBlank)
        => Result(status, detail, type).ExecuteAsync(context);

    /// <summary>Returns the title of <paramref name="status"/>: its reason phrase (<c>Bad Request</c>, <c>Forbidden</c>, …), or <c>Error</c>.</summary>
    public static string Title(int status)
        => ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error";
}
