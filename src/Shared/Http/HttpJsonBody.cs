using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Msil.Mcp.Http;

/// <summary>
/// Reads a JSON request body into a typed record with a source-generated <see cref="JsonTypeInfo{T}"/>, in the handler
/// (not by parameter binding, so the role filter runs first and a bad body answers a problem that names the field and
/// the fix rather than a bare 400).
/// </summary>
internal static class HttpJsonBody
{
    /// <summary>The largest body read by default.</summary>
    public const int DefaultMaxBytes = 64 * 1024;

    /// <summary>Reads the body as one JSON object of <typeparamref name="T"/>.</summary>
    /// <param name="context">The request's context.</param>
    /// <param name="typeInfo">The source-generated type information.</param>
    /// <param name="shape">The expected body, shown in the 400 answer (e.g. <c>{"comment": "…"}</c>).</param>
    /// <param name="maxBytes">The largest body accepted.</param>
    /// <param name="problemType">The 400/413 problem's <c>type</c>.</param>
    /// <returns>The value, or the problem to answer (the value is then <see langword="null"/>).</returns>
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> typeInfo, string shape, int maxBytes = DefaultMaxBytes, string problemType = HttpProblem.AboutBlank)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(typeInfo);
        if (context.Request.ContentLength > maxBytes)
        {
            return (null, TooLarge(maxBytes, problemType));
        }

        byte[] body;
        using (var buffer = new MemoryStream())
        {
            var chunk = new byte[4096];
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    return (null, TooLarge(maxBytes, problemType));
                }

                buffer.Write(chunk, 0, read);
            }

            body = buffer.ToArray();
        }

        var firstToken = FirstToken(body);
        if (firstToken != (byte)'{')
        {
            return (null, HttpProblem.Result(StatusCodes.Status400BadRequest, $"The body must be a JSON object: {shape}.", problemType));
        }

        try
        {
            var value = JsonSerializer.Deserialize(body, typeInfo);
            return value is null
                ? (null, HttpProblem.Result(StatusCodes.Status400BadRequest, $"The body must be a JSON object: {shape}.", problemType))
                : (value, null);
        }
        catch (JsonException ex)
        {
            var field = Field(ex.Path);
            var detail = field is null
                ? $"The body is not valid JSON: {shape}."
                : $"Field '{field}' has the wrong JSON type or is malformed ({ex.Path}); send the body as {shape}.";
            return (null, HttpProblem.Result(StatusCodes.Status400BadRequest, detail, problemType));
        }
    }

    private static ProblemHttpResult TooLarge(int maxBytes, string problemType)
        => HttpProblem.Result(StatusCodes.Status413PayloadTooLarge, $"The body is larger than {maxBytes / 1024} KB; send a smaller JSON object.", problemType);

    private static byte FirstToken(byte[] body)
    {
        foreach (var b in body)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or 0xEF or 0xBB or 0xBF))
            {
                return b;
            }
        }

        return 0;
    }

    /// <summary>Returns the first property name of a JSON path (<c>$.scope</c> → <c>scope</c>, <c>$['a b']</c> → <c>a b</c>), or null for the root.</summary>
    private static string? Field(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return null;
        }

        var rest = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.StartsWith("$['", StringComparison.Ordinal) ? path[3..] : null;
        if (rest is null)
        {
            return null;
        }

        var end = rest.IndexOfAny(['.', '[', '\'']);
        return Diagnostics.CallerText.Bound(end < 0 ? rest : rest[..end], 64);
    }
}
