using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Msil.Mcp.Diagnostics;

namespace Msil.Mcp.Hosting;

/// <summary>
/// Refuses browser requests from another origin (DNS-rebinding protection, MCP transport security): a request with an
/// <c>Origin</c> header passes only when that origin is the request's own or is listed in <c>Msil:Mcp:AllowedOrigins</c>.
/// Host names are checked by ASP.NET Core's host filtering (<c>AllowedHosts</c>).
/// </summary>
/// <remarks>
/// Kept with ModelContextProtocol.AspNetCore 2.4.0: its Streamable HTTP transport validates no <c>Origin</c> header
/// (docs/compatibility.md, "what the SDK does itself").
/// </remarks>
internal sealed class OriginCheckMiddleware(RequestDelegate next, IOptionsMonitor<MsilMcpOptions> options, ILogger<OriginCheckMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length == 0 || IsAllowed(origin, context.Request, options.CurrentValue.AllowedOrigins))
        {
            return next(context);
        }

        Log.OriginRefused(logger, CallerText.Bound(origin));
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return context.Response.WriteAsync("Cross-origin request refused: add the origin to Msil:Mcp:AllowedOrigins to allow it.");
    }

    internal static bool IsAllowed(string origin, HttpRequest request, IList<string> allowed)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri))
        {
            return false;
        }

        if (string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)
            && string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        foreach (var a in allowed)
        {
            if (string.Equals(a.TrimEnd('/'), origin.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
