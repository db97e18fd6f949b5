using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace Msil.Mcp.SampleBackend.Http;

/// <summary>Writes RFC 7807 problem details; a <c>field</c> extension names the request field at fault.</summary>
internal static class ProblemResponses
{
    public const string ContentType = "application/problem+json";

    public static Task WriteAsync(HttpContext context, int statusCode, string detail, string? field = null)
    {
        var problem = new ProblemDetails
        {
            Type = TypeFor(statusCode),
            Title = ReasonPhrases.GetReasonPhrase(statusCode),
            Status = statusCode,
            Detail = detail,
            Instance = context.Request.PathBase.Add(context.Request.Path).ToString(),
        };
        if (field is not null)
        {
            problem.Extensions["field"] = field;
        }

        context.Response.StatusCode = statusCode;
        return context.Response.WriteAsJsonAsync(problem, SampleBackendJsonContext.Default.ProblemDetails, ContentType, context.RequestAborted);
    }

    private static string TypeFor(int statusCode) => statusCode switch
    {
        StatusCodes.Status400BadRequest => "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        StatusCodes.Status401Unauthorized => "https://tools.ietf.org/html/rfc9110#section-15.5.2",
        StatusCodes.Status404NotFound => "https://tools.ietf.org/html/rfc9110#section-15.5.5",
        StatusCodes.Status409Conflict => "https://tools.ietf.org/html/rfc9110#section-15.5.10",
        StatusCodes.Status415UnsupportedMediaType => "https://tools.ietf.org/html/rfc9110#section-15.5.16",
        StatusCodes.Status422UnprocessableEntity => "https://tools.ietf.org/html/rfc9110#section-15.5.21",
        _ => "about:blank",
    };
}
