using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Msil.Mcp.Hosting;
using Msil.Mcp.Http;

namespace Msil.Mcp.Admin;

/// <summary>What the core's admin endpoints share on top of <c>src/Shared/Http</c>: the problem type, the body limit and the handler shape.</summary>
internal static class AdminHttp
{
    /// <summary>The largest page size of every list answer.</summary>
    public const int MaxPageSize = HttpRequestInfo.MaxPageSize;

    /// <summary>The largest request body the admin endpoints read.</summary>
    public const int MaxBodyBytes = HttpJsonBody.DefaultMaxBytes;

    /// <summary>The problem type of the admin API's errors.</summary>
    public const string ProblemType = "https://msil-mcp.dev/problems/admin-api";

    public static string CorrelationId(HttpContext context) => CorrelationIdMiddleware.Get(context);

    /// <summary>Returns the admin API's RFC 9457 problem (<see cref="ProblemType"/>).</summary>
    public static ProblemHttpResult Problem(int status, string detail) => HttpProblem.Result(status, detail, ProblemType);

    /// <summary>An endpoint filter that marks every answer (data or problem) <c>Cache-Control: no-store</c>.</summary>
    public static ValueTask<object?> NoStore(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        context.HttpContext.Response.Headers.CacheControl = "no-store";
        return next(context);
    }
}
