using System.Buffers.Text;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Msil.Mcp.Apim.Http;

/// <summary>
/// Writes an <c>application/octet-stream</c> request body from its base64 argument: decoded, at most
/// <see cref="MaxBytes"/> bytes, checked before anything is decoded.
/// </summary>
internal static class BinaryBodyWriter
{
    /// <summary>The largest binary body, decoded: 10 MiB.</summary>
    public const int MaxBytes = 10 * 1024 * 1024;

    /// <summary>Sets the request's content to the bytes of <paramref name="body"/>.</summary>
    /// <returns><see langword="null"/>, or why the body cannot be sent.</returns>
    public static string? Write(HttpRequestMessage request, string mediaType, string argument, JsonElement body, int maxBytes = MaxBytes)
    {
        if (body.ValueKind != JsonValueKind.String)
        {
            return $"argument '{argument}' must be a base64 string (the {mediaType} body)";
        }

        var text = body.GetString()!;
        var limit = maxBytes.ToString(CultureInfo.InvariantCulture);
        if ((long)text.Length * 3 / 4 > maxBytes + 2L)
        {
            return $"argument '{argument}' is larger than the limit of {limit} bytes for a binary request body";
        }

        var bytes = new byte[Base64.GetMaxDecodedFromUtf8Length(text.Length)];
        if (!Convert.TryFromBase64String(text, bytes, out var written))
        {
            return $"argument '{argument}' is not valid base64";
        }

        if (written > maxBytes)
        {
            return $"argument '{argument}' is larger than the limit of {limit} bytes for a binary request body";
        }

        request.Content = new ByteArrayContent(bytes, 0, written);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(
            MediaTypeHeaderValue.TryParse(mediaType, out var parsed) && parsed.MediaType is not null ? parsed.MediaType : "application/octet-stream");
        return null;
    }
}
