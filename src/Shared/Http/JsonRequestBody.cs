using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace Msil.Mcp.Http;

/// <summary>
/// Reads a bounded JSON request body into a typed record through a source-generated <see cref="JsonTypeInfo{T}"/>, so
/// no endpoint parses a body by hand. A body that is not JSON, not an object, too large, or has a field of the wrong
/// type comes back as an error that names the field (<see cref="JsonBodyResult{T}.Field"/>) for a 400 problem. Linked
/// into the packages whose REST APIs take JSON bodies.
/// </summary>
internal static class JsonRequestBody
{
    /// <summary>The largest body read unless a caller says otherwise (64 KiB).</summary>
    public const int DefaultMaxBytes = 64 * 1024;

    /// <summary>Reads the request body as <typeparamref name="T"/>.</summary>
    /// <returns>The value, or why it could not be read: <see cref="JsonBodyResult{T}.Field"/> is the top-level field whose
    /// value had the wrong type (<see langword="null"/> when the body as a whole was wrong).</returns>
    public static async ValueTask<JsonBodyResult<T>> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> typeInfo, int maxBytes = DefaultMaxBytes)
        where T : class
    {
        if (context.Request.ContentLength > maxBytes)
        {
            return new(null, null, true);
        }

        try
        {
            var value = await JsonSerializer.DeserializeAsync(context.Request.Body, typeInfo, context.RequestAborted).ConfigureAwait(false);
            return new(value, null, value is null);
        }
        catch (JsonException ex)
        {
            return new(null, FieldOf(ex.Path), true);
        }
    }

    /// <summary>The top-level property a <see cref="JsonException.Path"/> (<c>$.single_use</c>, <c>$.arguments[0]</c>) points into.</summary>
    internal static string? FieldOf(string? path)
    {
        if (path is null || !path.StartsWith("$.", StringComparison.Ordinal) || path.Length == 2)
        {
            return null;
        }

        var name = path.AsSpan(2);
        var end = name.IndexOfAny('.', '[');
        return (end < 0 ? name : name[..end]).ToString();
    }
}

/// <summary>A request body read by <see cref="JsonRequestBody.ReadAsync"/>.</summary>
/// <param name="Value">The body, when it could be read.</param>
/// <param name="Field">The top-level field whose value had the wrong type, when that is why it could not be read.</param>
/// <param name="Failed">Whether the body could not be read.</param>
internal readonly record struct JsonBodyResult<T>(T? Value, string? Field, bool Failed)
    where T : class;
