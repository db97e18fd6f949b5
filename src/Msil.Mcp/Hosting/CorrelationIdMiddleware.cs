using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Msil.Mcp.Hosting;

/// <summary>
/// Takes <c>X-Correlation-ID</c> from the request when it is well formed (1–128 of <c>[A-Za-z0-9._:-]</c>), else uses the
/// trace id, and echoes it on the response.
/// </summary>
internal sealed class CorrelationIdMiddleware(RequestDelegate next)
{
    public const string HeaderName = "X-Correlation-ID";
    private const string ItemKey = "msil.mcp.correlation_id";

    public Task InvokeAsync(HttpContext context)
    {
        var id = context.Request.Headers[HeaderName].ToString();
        if (!IsWellFormed(id))
        {
            id = Activity.Current?.TraceId.ToHexString() ?? Guid.NewGuid().ToString("N");
        }

        context.Items[ItemKey] = id;
        context.Response.Headers[HeaderName] = id;
        return next(context);
    }

    public static string Get(HttpContext? context)
        => context?.Items[ItemKey] as string ?? Activity.Current?.TraceId.ToHexString() ?? Guid.NewGuid().ToString("N");

    internal static bool IsWellFormed(string value)
    {
        if (value.Length is 0 or > 128)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'))
            {
                return false;
            }
        }

        return true;
    }
}
