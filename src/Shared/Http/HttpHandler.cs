using Microsoft.AspNetCore.Http;

namespace Msil.Mcp.Http;

/// <summary>The handler shape of every package's REST endpoints: a method that answers with a typed result.</summary>
internal static class HttpHandler
{
    /// <summary>
    /// Adapts a handler that returns a typed result to a <see cref="RequestDelegate"/>: mapped as one, the endpoint needs no
    /// reflection-built delegate (AOT), and group endpoint filters (the role check) still run before it.
    /// </summary>
    public static RequestDelegate Run(Func<HttpContext, Task<IResult>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return async context => await (await handler(context).ConfigureAwait(false)).ExecuteAsync(context).ConfigureAwait(false);
    }
}
