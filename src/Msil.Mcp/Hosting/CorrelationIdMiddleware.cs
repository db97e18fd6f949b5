using Microsoft.AspNetCore.Http;

namespace Msil.Mcp.Hosting;

/// <summary>
/// Gives every request a correlation id of the server's own (32 hex digits), never one the client chose: it names the
/// request in logs, audit records and as the elevation request reference, and goes out as <c>X-Correlation-ID</c>. A
/// client's own <c>X-Correlation-ID</c> is kept beside it, bounded to <see cref="MaxClientLength"/> printable ASCII
/// characters (others dropped), echoed as <c>X-Client-Correlation-ID</c> and recorded as the audit record's
/// <c>ClientCorrelationId</c>.
/// </summary>
internal sealed class CorrelationIdMiddleware(RequestDelegate next)
{
    public const string HeaderName = "X-Correlation-ID";
    public const string ClientHeaderName = "X-Client-Correlation-ID";
    public const int MaxClientLength = 128;
    private const string ItemKey = "msil.mcp.correlation_id";
    private const string ClientItemKey = "msil.mcp.client_correlation_id";

    public Task InvokeAsync(HttpContext context)
    {
        var id = NewId();
        context.Items[ItemKey] = id;
        context.Response.Headers[HeaderName] = id;
        if (Sanitize(context.Request.Headers[HeaderName].ToString()) is { } client)
        {
            context.Items[ClientItemKey] = client;
            context.Response.Headers[ClientHeaderName] = client;
        }

        return next(context);
    }

    /// <summary>Gets the request's correlation id (the server's own); a fresh one outside a request the middleware saw.</summary>
    public static string Get(HttpContext? context) => context?.Items[ItemKey] as string ?? NewId();

    /// <summary>Gets the client's correlation id, bounded and sanitised, or <see langword="null"/>.</summary>
    public static string? GetClient(HttpContext? context) => context?.Items[ClientItemKey] as string;

    /// <summary>Keeps the printable ASCII characters (no space) of the first <see cref="MaxClientLength"/>; <see langword="null"/> when none is left.</summary>
    internal static string? Sanitize(string value)
    {
        if (value.Length == 0)
        {
            return null;
        }

        var head = value.AsSpan(0, Math.Min(value.Length, MaxClientLength));
        if (!head.ContainsAnyExceptInRange('!', '~'))
        {
            return head.Length == value.Length ? value : head.ToString();
        }

        Span<char> kept = stackalloc char[MaxClientLength];
        var n = 0;
        foreach (var c in head)
        {
            if (c is >= '!' and <= '~')
            {
                kept[n++] = c;
            }
        }

        return n == 0 ? null : kept[..n].ToString();
    }

    // 128 random bits like a GUID's, from the thread's buffer of the cryptographic generator (one kernel call per 16 ids).
    private static string NewId() => Pipeline.RandomIds.New();
}
