using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Msil.Mcp.Hosting;

namespace Msil.Mcp.Admin;

/// <summary>What the core's admin endpoints share: problem details, JSON answers, paging and the caller's correlation id.</summary>
internal static class AdminHttp
{
    /// <summary>The default page size of every list answer.</summary>
    public const int DefaultPageSize = 50;

    /// <summary>The largest page size of every list answer.</summary>
    public const int MaxPageSize = 500;

    /// <summary>The largest request body the admin endpoints read.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>The problem type of the admin API's errors.</summary>
    public const string ProblemType = "https://msil-mcp.dev/problems/admin-api";

    public static string CorrelationId(HttpContext context) => CorrelationIdMiddleware.Get(context);

    /// <summary>Reads <c>page</c> (1-based, default 1) and <c>page_size</c> (default 50, at most 500).</summary>
    /// <returns>The page and its size, or an error that names the field and the fix.</returns>
    public static (int Page, int PageSize, string? Error) Paging(HttpRequest request)
    {
        var page = 1;
        var size = DefaultPageSize;
        var rawPage = request.Query["page"].ToString();
        if (rawPage.Length > 0 && (!int.TryParse(rawPage, NumberStyles.None, CultureInfo.InvariantCulture, out page) || page < 1))
        {
            return (0, 0, "Query parameter 'page' must be a whole number from 1 (the first page).");
        }

        var rawSize = request.Query["page_size"].ToString();
        if (rawSize.Length > 0 && (!int.TryParse(rawSize, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size < 1 || size > MaxPageSize))
        {
            return (0, 0, $"Query parameter 'page_size' must be a whole number from 1 to {MaxPageSize} (default {DefaultPageSize}).");
        }

        return (page, size, null);
    }

    /// <summary>Answers 401 through the host's authentication (its challenge says how to sign in), or a plain 401 when it has none.</summary>
    public static async Task ChallengeAsync(HttpContext context)
    {
        var schemes = context.RequestServices.GetService<IAuthenticationSchemeProvider>();
        if (schemes is not null && await schemes.GetDefaultChallengeSchemeAsync().ConfigureAwait(false) is not null)
        {
            await context.ChallengeAsync().ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
    }

    /// <summary>Writes an RFC 9457 problem.</summary>
    public static Task ProblemAsync(HttpContext context, int status, string detail)
        => WriteAsync(context, status, "application/problem+json", w =>
        {
            w.WriteStartObject();
            w.WriteString("type", ProblemType);
            w.WriteString("title", Title(status));
            w.WriteNumber("status", status);
            w.WriteString("detail", detail);
            w.WriteEndObject();
        });

    /// <summary>Writes a JSON answer with <paramref name="write"/>.</summary>
    public static Task JsonAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
        => WriteAsync(context, status, "application/json", write);

    /// <summary>Writes an ISO-8601 UTC time stamp, or null.</summary>
    public static void WriteTime(Utf8JsonWriter w, string name, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            w.WriteString(name, v.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        }
        else
        {
            w.WriteNull(name);
        }
    }

    public static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }

        w.WriteEndArray();
    }

    /// <summary>Reads the body as one JSON object, at most <see cref="MaxBodyBytes"/>.</summary>
    /// <returns>The document, or <see langword="null"/> when the body is not a JSON object or is too large.</returns>
    public static async Task<JsonDocument?> ReadObjectAsync(HttpContext context)
    {
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return null;
        }

        try
        {
            var buffer = new ArrayBufferWriter<byte>(1024);
            var total = 0;
            while (true)
            {
                var memory = buffer.GetMemory(4096);
                var read = await context.Request.Body.ReadAsync(memory, context.RequestAborted).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                total += read;
                if (total > MaxBodyBytes)
                {
                    return null;
                }

                buffer.Advance(read);
            }

            var document = JsonDocument.Parse(buffer.WrittenMemory);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task WriteAsync(HttpContext context, int status, string contentType, Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            write(w);
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }

    private static string Title(int status) => status switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Error",
    };
}
