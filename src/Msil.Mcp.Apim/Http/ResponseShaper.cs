using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Msil.Mcp.Json;
using System.Text.RegularExpressions;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Apim.Http;

/// <summary>A response body as read: at most the configured number of bytes, in a buffer rented from the shared pool.</summary>
/// <param name="Buffer">The rented buffer; its first <paramref name="Length"/> bytes are the body kept.</param>
/// <param name="Length">The number of bytes kept.</param>
/// <param name="Size">The size of the body: its <c>Content-Length</c> when known, else the bytes read.</param>
/// <param name="Cut">Whether the body was longer than the limit.</param>
internal readonly record struct ResponseBody(byte[] Buffer, int Length, long Size, bool Cut)
{
    /// <summary>Gets the bytes kept.</summary>
    public ReadOnlySpan<byte> Bytes => Buffer.AsSpan(0, Length);

    /// <summary>Gets the bytes kept, as memory (for readers that take it).</summary>
    public ReadOnlyMemory<byte> Memory => Buffer.AsMemory(0, Length);

    /// <summary>Gives the buffer back to the pool; the body must not be used afterwards.</summary>
    public void Return() => ArrayPool<byte>.Shared.Return(Buffer);
}

/// <summary>
/// Turns a gateway's response into a tool result: JSON becomes structured content (checked against the declared output
/// schema) plus its text; other text stays text; anything else is described, not shown. Bodies longer than the limit are
/// cut with a notice. A non-2xx answer is a tool error with the status and the backend's problem details, redacted.
/// </summary>
internal static partial class ResponseShaper
{
    private const int MaxDetailChars = 1024;
    private const string Redacted = "[redacted]";

    public static ToolResult Shape(HttpResponseMessage response, ResponseBody body, RequestTemplate template, string gateway, int maxBytes, in Secrets secrets, int attempts, bool notRetriedAsUnsafe)
    {
        var status = (int)response.StatusCode;
        var contentType = response.Content.Headers.ContentType;
        var mediaType = contentType?.MediaType ?? string.Empty;
        var isJson = IsJson(mediaType) || (mediaType.Length == 0 && LooksLikeJson(body.Bytes));
        if (status is < 200 or > 299)
        {
            return new ToolResult
            {
                IsError = true,
                BackendStatus = status,
                Size = body.Size,
                Text = DescribeFailure(response, body, isJson, mediaType, gateway, secrets, attempts, notRetriedAsUnsafe),
            };
        }

        if (body.Bytes.Length == 0)
        {
            return new ToolResult { Text = $"HTTP {status} {response.ReasonPhrase} (no content).", BackendStatus = status, Size = body.Size };
        }

        if (!isJson && !IsText(mediaType))
        {
            return new ToolResult
            {
                Text = $"The backend answered HTTP {status} with {mediaType} content of {body.Size.ToString(CultureInfo.InvariantCulture)} bytes, which is not passed to the model.",
                BackendStatus = status,
                Size = body.Size,
            };
        }

        if (isJson && !body.Cut && (template.Output is null || template.Output.Conforms(body.Bytes)) && IsUtf8(contentType?.CharSet) && FromJson(body, status) is { } fromJson)
        {
            return fromJson;
        }

        var text = Decode(body.Bytes, contentType?.CharSet, body.Cut);
        JsonElement? structured = null;
        string? notice = null;
        if (isJson && !body.Cut)
        {
            // structuredContent is UTF-8 JSON: a body in another charset, or not valid UTF-8, is parsed from its decoded
            // text (the text the model gets), never from the raw bytes, which would put invalid UTF-8 into the element.
            (structured, notice) = IsUtf8(contentType?.CharSet) && System.Text.Unicode.Utf8.IsValid(body.Bytes)
                ? Structure(body.Bytes, template.Output)
                : Structure(Encoding.UTF8.GetBytes(text), template.Output);
        }
        else if (template.ResponseXml is { } xml && IsXml(mediaType) && !body.Cut)
        {
            (structured, notice) = StructureXml(body.Memory, xml, template.Output, maxBytes);
        }

        if (body.Cut)
        {
            notice = $"[Response cut at {maxBytes.ToString(CultureInfo.InvariantCulture)} bytes"
                + (response.Content.Headers.ContentLength is { } length ? $" of {length.ToString(CultureInfo.InvariantCulture)}" : string.Empty)
                + " (Msil:Mcp:Apim:MaxResponseBytes); ask for less, for example with filters or paging.]";
        }

        return new ToolResult
        {
            StructuredContent = structured,
            Text = notice is null ? text : text + "\n\n" + notice,
            BackendStatus = status,
            Size = body.Size,
        };
    }

    /// <summary>Removes secrets from text that came back from a backend: the subscription key, the token sent and anything that looks like a bearer token or a JWT.</summary>
    public static string Redact(string text, in Secrets secrets)
    {
        if (!string.IsNullOrEmpty(secrets.SubscriptionKey))
        {
            text = text.Replace(secrets.SubscriptionKey, Redacted, StringComparison.Ordinal);
        }

        if (!string.IsNullOrEmpty(secrets.Token))
        {
            text = text.Replace(secrets.Token, Redacted, StringComparison.Ordinal);
        }

        text = BearerPattern().Replace(text, "Bearer " + Redacted);
        return JwtPattern().Replace(text, Redacted);
    }

    internal static bool IsJson(string mediaType)
        => mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("text/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);

    private static bool IsText(string mediaType)
        => mediaType.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+xml", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/xml", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/yaml", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/x-yaml", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/x-ndjson", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/javascript", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);

    private static bool LooksLikeJson(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                continue;
            }

            return b is (byte)'{' or (byte)'[';
        }

        return false;
    }

    /// <summary>
    /// A JSON object or array body, whole, in UTF-8, with no output schema or an object that passes it (read without a
    /// parse, <see cref="OutputCheck.Conforms"/>): the result is made from the bytes
    /// (<see cref="ToolResult(ReadOnlyMemory{byte})"/>), whose text and structured content are what the decode and parse
    /// below would make, produced only if something reads them; <see langword="null"/> for any other body (a scalar,
    /// malformed JSON, invalid UTF-8), which is decoded and parsed as before.
    /// </summary>
    private static ToolResult? FromJson(ResponseBody body, int status)
    {
        if (FirstByte(body.Bytes) is not ((byte)'{' or (byte)'['))
        {
            return null;
        }

        try
        {
            // A copy the result owns: the rented buffer goes back to the pool as soon as the result is made.
            return new ToolResult(body.Bytes.ToArray()) { BackendStatus = status, Size = body.Size };
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Whether a body of this charset is UTF-8 as <see cref="Decode"/> reads it (no charset is UTF-8).</summary>
    private static bool IsUtf8(string? charset)
    {
        if (string.IsNullOrEmpty(charset))
        {
            return true;
        }

        var name = charset.AsSpan().Trim('"');
        return name.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || name.Equals("utf8", StringComparison.OrdinalIgnoreCase);
    }

    private static (JsonElement? Structured, string? Notice) Structure(ReadOnlySpan<byte> bytes, OutputCheck? output)
    {
        if (output is null && FirstByte(bytes) == (byte)'[')
        {
            // An array without an output schema becomes {"items": […]}: parsed once, wrapped, not parsed twice.
            try
            {
                return (JsonItemsWrapper.Wrap(bytes), null);
            }
            catch (JsonException)
            {
                return (null, null);
            }
        }

        JsonElement root;
        try
        {
            root = JsonElement.Parse(bytes);
        }
        catch (JsonException)
        {
            return (null, null);
        }

        if (output is not null)
        {
            var problem = output.Check(root);
            return problem is null
                ? (root, null)
                : (null, $"[The response does not match the tool's output schema ({problem}); it is passed on as text only.]");
        }

        return root.ValueKind switch
        {
            JsonValueKind.Object => (root, null),
            JsonValueKind.Array => (JsonItemsWrapper.Wrap(bytes), null),
            _ => (null, null),
        };
    }

    private static (JsonElement? Structured, string? Notice) StructureXml(ReadOnlyMemory<byte> bytes, XmlMapping xml, OutputCheck? output, int maxBytes)
    {
        var (root, problem) = XmlBodyReader.Read(bytes, xml, maxBytes);
        if (root is not { } json)
        {
            return (null, $"[The XML response could not be read as structured content ({problem}); it is passed on as text only.]");
        }

        return output?.Check(json) is { } mismatch
            ? (null, $"[The response does not match the tool's output schema ({mismatch}); it is passed on as text only.]")
            : (json, null);
    }

    internal static bool IsXml(string mediaType)
        => mediaType.Equals("application/xml", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("text/xml", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+xml", StringComparison.OrdinalIgnoreCase);

    /// <summary>Returns the first byte that is not JSON whitespace, or 0.</summary>
    private static byte FirstByte(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return b;
            }
        }

        return 0;
    }

    private static string Decode(ReadOnlySpan<byte> bytes, string? charset, bool cut)
    {
        var encoding = Encoding.UTF8;
        if (!string.IsNullOrEmpty(charset))
        {
            try
            {
                encoding = Encoding.GetEncoding(charset.Trim('"'));
            }
            catch (ArgumentException)
            {
                encoding = Encoding.UTF8;
            }
        }

        var text = encoding.GetString(bytes);

        // A cut may split the last character: drop the replacement character it leaves.
        return cut ? text.TrimEnd('\uFFFD') : text;
    }

    private static string DescribeFailure(HttpResponseMessage response, ResponseBody body, bool isJson, string mediaType, string gateway, in Secrets secrets, int attempts, bool notRetriedAsUnsafe)
    {
        var status = response.StatusCode;
        var code = (int)status;
        var text = new StringBuilder();
        text.Append("The backend answered HTTP ").Append(code.ToString(CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(response.ReasonPhrase))
        {
            text.Append(' ').Append(response.ReasonPhrase);
        }

        if (!string.Equals(gateway, ApimOptions.DefaultGatewayName, StringComparison.Ordinal))
        {
            text.Append(" (gateway '").Append(gateway).Append("')");
        }

        var detail = isJson ? ProblemDetail(body.Memory) : IsText(mediaType) && !mediaType.Contains("html", StringComparison.OrdinalIgnoreCase) ? Decode(body.Bytes, null, body.Cut).Trim() : null;
        if (!string.IsNullOrWhiteSpace(detail))
        {
            detail = Redact(detail, secrets);
            text.Append(": ").Append(detail.Length > MaxDetailChars ? string.Concat(detail.AsSpan(0, MaxDetailChars), "…") : detail);
        }

        text.Append('.');
        switch (code)
        {
            case 401:
                text.Append(" The backend (or its gateway) did not accept the credentials this server sent for the call (the downstream token or the subscription key): this is the backend's refusal, not this server's policy, which allowed the call.");
                if (response.Headers.WwwAuthenticate.FirstOrDefault() is { } challenge && ChallengeError(challenge) is { } error)
                {
                    text.Append(" Its challenge says: ").Append(error).Append('.');
                }

                break;
            case 403:
                text.Append(" The backend itself refused this user access to the resource: this is the backend's own authorization decision, not this server's policy, which allowed the call.");
                break;
            case 429:
                text.Append(" The backend is limiting the rate of calls");
                if (response.Headers.RetryAfter is { } retryAfter)
                {
                    text.Append("; it asks to wait ").Append(retryAfter.Delta is { } delta ? Math.Ceiling(delta.TotalSeconds).ToString(CultureInfo.InvariantCulture) + " s" : retryAfter.ToString());
                }

                text.Append('.');
                break;
        }

        if (attempts > 1)
        {
            text.Append(" It was tried ").Append(attempts.ToString(CultureInfo.InvariantCulture)).Append(" times.");
        }
        else if (notRetriedAsUnsafe)
        {
            text.Append(" It was not retried: the tool is not idempotent, so a repeat could apply it twice.");
        }

        return text.ToString();
    }

    private static string? ProblemDetail(ReadOnlyMemory<byte> bytes)
    {
        if (bytes.Length == 0)
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(bytes);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var parts = new List<string>();
            foreach (var name in (ReadOnlySpan<string>)["title", "detail", "message", "error", "error_description"])
            {
                if (root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s && !parts.Contains(s))
                {
                    parts.Add(s);
                }
            }

            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
            {
                parts.Add("errors: " + errors.GetRawText());
            }

            return parts.Count == 0 ? null : string.Join(": ", parts);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? ChallengeError(AuthenticationHeaderValue challenge)
    {
        var parameter = challenge.Parameter;
        if (parameter is null)
        {
            return null;
        }

        var match = ChallengeErrorPattern().Match(parameter);
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex(@"\bBearer\s+[A-Za-z0-9\-._~+/]+=*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BearerPattern();

    [GeneratedRegex(@"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*", RegexOptions.CultureInvariant)]
    private static partial Regex JwtPattern();

    [GeneratedRegex(@"\berror=""?([A-Za-z0-9_\-]{1,64})", RegexOptions.CultureInvariant)]
    private static partial Regex ChallengeErrorPattern();
}

/// <summary>The secrets of one call that must never come back to the model.</summary>
/// <param name="SubscriptionKey">The gateway's subscription key.</param>
/// <param name="Token">The downstream token sent.</param>
internal readonly record struct Secrets(string? SubscriptionKey, string? Token);
