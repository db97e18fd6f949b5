using System.Buffers;
using System.Collections.Frozen;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Apim.Http;

/// <summary>
/// Builds a tool call's HTTP request from its <see cref="RequestTemplate"/> and validated arguments, serializing values
/// per OpenAPI <c>style</c>/<c>explode</c>. Path values are escaped and may not contain <c>/</c> or <c>\</c> or be
/// <c>.</c>/<c>..</c>, so nothing can be smuggled into the path; arguments can never set security or hop-by-hop headers.
/// </summary>
internal static class RequestBuilder
{
    /// <summary>Headers no argument may set: security, hop-by-hop, content framing and the ones this client sets itself.</summary>
    private static readonly FrozenSet<string> ProtectedHeaders = new[]
    {
        "Authorization", "Proxy-Authorization", "Proxy-Authenticate", "WWW-Authenticate", "Host", "Cookie", "Set-Cookie",
        "Connection", "Keep-Alive", "Transfer-Encoding", "TE", "Trailer", "Upgrade", "Proxy-Connection", "Content-Length",
        "Content-Type", "Content-Encoding", "Expect", "Ocp-Apim-Subscription-Key", "Ocp-Apim-Trace", "X-Correlation-ID",
        "traceparent", "tracestate", "baggage", "Idempotency-Key", "Forwarded", "Via", "Max-Forwards", "Origin",
        "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-IP", "X-Api-Key",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private static readonly string[] ProtectedPrefixes = ["Proxy-", "Sec-", "X-MCP-", "X-Forwarded-", "X-Ms-", "Ocp-Apim-"];

    /// <summary>Returns whether <paramref name="name"/> is a header no argument may set (the gateway's own subscription key header is checked per call).</summary>
    public static bool IsProtectedHeader(string name)
    {
        if (ProtectedHeaders.Contains(name))
        {
            return true;
        }

        foreach (var prefix in ProtectedPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Returns whether <paramref name="name"/> is an RFC 9110 token (a valid header name).</summary>
    public static bool IsToken(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (c is <= ' ' or >= '\u007f' or '(' or ')' or '<' or '>' or '@' or ',' or ';' or ':' or '\\' or '"' or '/' or '[' or ']' or '?' or '=' or '{' or '}')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Fills <paramref name="request"/>: URI, argument headers and body.</summary>
    /// <returns><see langword="null"/> on success, else why the call cannot be built (for the model).</returns>
    public static string? Build(
        HttpRequestMessage request,
        RequestTemplate template,
        Uri gateway,
        IReadOnlyDictionary<string, JsonElement> arguments,
        string subscriptionKeyHeader)
    {
        var url = new StringBuilder(256);
        var baseText = gateway.AbsoluteUri;
        url.Append(baseText, 0, baseText.Length - (baseText.EndsWith('/') ? 1 : 0));
        foreach (var part in template.Path)
        {
            if (part.Literal is not null)
            {
                url.Append(part.Literal);
                continue;
            }

            if (part.Parameter is not { } p || !TryGet(arguments, p.Argument, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return $"the path parameter '{part.Variable}' has no value";
            }

            var error = AppendPath(url, p, value);
            if (error is not null)
            {
                return error;
            }
        }

        var firstQuery = true;
        foreach (var p in template.Query)
        {
            if (TryGet(arguments, p.Argument, out var value) && value.ValueKind != JsonValueKind.Null)
            {
                AppendQuery(url, ref firstQuery, p, value);
            }
        }

        request.RequestUri = new Uri(url.ToString(), UriKind.Absolute);

        for (var i = 0; i < template.Headers.Length; i++)
        {
            var p = template.Headers[i];
            if (!TryGet(arguments, p.Argument, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            if (template.HeaderProblems[i] is { } problem)
            {
                return problem;
            }

            if (string.Equals(p.Name, subscriptionKeyHeader, StringComparison.OrdinalIgnoreCase))
            {
                return $"argument '{p.Argument}' would set the protected header '{p.Name}'";
            }

            var text = Simple(value, p.Explode ?? false, escape: false);
            if (text.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
            {
                return $"header argument '{p.Argument}' must not contain line breaks";
            }

            if (!request.Headers.TryAddWithoutValidation(p.Name, text))
            {
                return $"argument '{p.Argument}' cannot be sent as header '{p.Name}'";
            }
        }

        if (template.Cookies.Length > 0)
        {
            var cookie = new StringBuilder();
            foreach (var p in template.Cookies)
            {
                if (TryGet(arguments, p.Argument, out var value) && value.ValueKind != JsonValueKind.Null)
                {
                    cookie.Append(cookie.Length > 0 ? "; " : string.Empty)
                        .Append(Uri.EscapeDataString(p.Name)).Append('=').Append(Simple(value, explode: false, escape: true));
                }
            }

            if (cookie.Length > 0)
            {
                request.Headers.TryAddWithoutValidation("Cookie", cookie.ToString());
            }
        }

        return template.BodyEncoding == BodyEncoding.None ? null : BuildBody(request, template, arguments);
    }

    /// <summary>Renders a scalar the way it goes on the wire: strings as they are, other JSON as its text.</summary>
    internal static string Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() ?? string.Empty,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => string.Empty,
        _ => value.GetRawText(),
    };

    private static bool TryGet(IReadOnlyDictionary<string, JsonElement> arguments, string name, out JsonElement value)
        => arguments.TryGetValue(name, out value) && value.ValueKind != JsonValueKind.Undefined;

    private static string? AppendPath(StringBuilder url, HttpParameterBinding p, JsonElement value)
    {
        // Each primitive is checked before it is escaped: no separator, no dot segment, nothing empty.
        var error = CheckPathValues(p, value);
        if (error is not null)
        {
            return error;
        }

        var explode = p.Explode ?? false;
        switch (p.Style)
        {
            case "label":
                url.Append('.').Append(Simple(value, explode, escape: true, separator: explode ? '.' : ','));
                break;
            case "matrix":
                AppendMatrix(url, p.Name, value, explode);
                break;
            default:
                url.Append(Simple(value, explode, escape: true));
                break;
        }

        return null;
    }

    private static string? CheckPathValues(HttpParameterBinding p, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    if (CheckPathValues(p, item) is { } error)
                    {
                        return error;
                    }
                }

                return value.GetArrayLength() == 0 ? $"path parameter '{p.Argument}' must not be empty" : null;
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    if ((CheckPathText(p, property.Name) ?? CheckPathValues(p, property.Value)) is { } error)
                    {
                        return error;
                    }
                }

                return null;
            default:
                return CheckPathText(p, Scalar(value));
        }
    }

    private static string? CheckPathText(HttpParameterBinding p, string text)
        => text.Length == 0 || text is "." or ".." || text.AsSpan().IndexOfAny('/', '\\') >= 0
            ? $"path parameter '{p.Argument}' must be a non-empty value without '/' or '\\', and not '.' or '..'"
            : null;

    private static void AppendMatrix(StringBuilder url, string name, JsonElement value, bool explode)
    {
        var escapedName = Uri.EscapeDataString(name);
        if (value.ValueKind == JsonValueKind.Array && explode)
        {
            foreach (var item in value.EnumerateArray())
            {
                url.Append(';').Append(escapedName).Append('=').Append(Uri.EscapeDataString(Scalar(item)));
            }

            return;
        }

        if (value.ValueKind == JsonValueKind.Object && explode)
        {
            foreach (var property in value.EnumerateObject())
            {
                url.Append(';').Append(Uri.EscapeDataString(property.Name)).Append('=').Append(Uri.EscapeDataString(Scalar(property.Value)));
            }

            return;
        }

        url.Append(';').Append(escapedName).Append('=').Append(Simple(value, explode: false, escape: true));
    }

    /// <summary>OpenAPI <c>simple</c> style: arrays comma-separated, objects as <c>k,v,k,v</c> (or <c>k=v,k=v</c> exploded).</summary>
    private static string Simple(JsonElement value, bool explode, bool escape, char separator = ',')
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Array:
                var items = new StringBuilder();
                foreach (var item in value.EnumerateArray())
                {
                    if (items.Length > 0)
                    {
                        items.Append(separator);
                    }

                    items.Append(Escape(Scalar(item), escape));
                }

                return items.ToString();
            case JsonValueKind.Object:
                var pairs = new StringBuilder();
                foreach (var property in value.EnumerateObject())
                {
                    if (pairs.Length > 0)
                    {
                        pairs.Append(separator);
                    }

                    pairs.Append(Escape(property.Name, escape)).Append(explode ? '=' : ',').Append(Escape(Scalar(property.Value), escape));
                }

                return pairs.ToString();
            default:
                return Escape(Scalar(value), escape);
        }
    }

    private static string Escape(string text, bool escape) => escape ? Uri.EscapeDataString(text) : text;

    private static void AppendQuery(StringBuilder url, ref bool first, HttpParameterBinding p, JsonElement value)
    {
        var style = p.Style ?? "form";
        var explode = p.Explode ?? style == "form";
        switch (value.ValueKind)
        {
            case JsonValueKind.Array when explode:
                foreach (var item in value.EnumerateArray())
                {
                    AddQuery(url, ref first, p.Name, Uri.EscapeDataString(Scalar(item)));
                }

                return;
            case JsonValueKind.Array:
                var separator = style switch { "spaceDelimited" => "%20", "pipeDelimited" => "%7C", _ => "," };
                var joined = new StringBuilder();
                foreach (var item in value.EnumerateArray())
                {
                    joined.Append(joined.Length > 0 ? separator : string.Empty).Append(Uri.EscapeDataString(Scalar(item)));
                }

                AddQuery(url, ref first, p.Name, joined.ToString());
                return;
            case JsonValueKind.Object when style == "deepObject":
                foreach (var property in value.EnumerateObject())
                {
                    AddQuery(url, ref first, p.Name + "[" + property.Name + "]", Uri.EscapeDataString(Scalar(property.Value)));
                }

                return;
            case JsonValueKind.Object when explode:
                foreach (var property in value.EnumerateObject())
                {
                    AddQuery(url, ref first, property.Name, Uri.EscapeDataString(Scalar(property.Value)));
                }

                return;
            case JsonValueKind.Object:
                AddQuery(url, ref first, p.Name, Simple(value, explode: false, escape: true));
                return;
            default:
                AddQuery(url, ref first, p.Name, Uri.EscapeDataString(Scalar(value)));
                return;
        }
    }

    private static void AddQuery(StringBuilder url, ref bool first, string name, string escapedValue)
    {
        url.Append(first ? '?' : '&').Append(Uri.EscapeDataString(name)).Append('=').Append(escapedValue);
        first = false;
    }

    private static string? BuildBody(HttpRequestMessage request, RequestTemplate template, IReadOnlyDictionary<string, JsonElement> arguments)
    {
        JsonElement? whole = template.WholeBody is { } w && TryGet(arguments, w.Argument, out var wv) ? wv : null;
        switch (template.BodyEncoding)
        {
            case BodyEncoding.Json:
                var buffer = new ArrayBufferWriter<byte>(256);
                using (var writer = new Utf8JsonWriter(buffer))
                {
                    if (whole is { } value)
                    {
                        value.WriteTo(writer);
                    }
                    else
                    {
                        writer.WriteStartObject();
                        foreach (var p in template.BodyProperties)
                        {
                            if (TryGet(arguments, p.Argument, out var property))
                            {
                                writer.WritePropertyName(p.Name);
                                property.WriteTo(writer);
                            }
                        }

                        writer.WriteEndObject();
                    }
                }

                if (buffer.WrittenCount == 0 && whole is null && template.BodyProperties.Length == 0)
                {
                    return null;
                }

                request.Content = new ByteArrayContent(buffer.WrittenSpan.ToArray());
                request.Content.Headers.ContentType = MediaTypeHeaderValue.TryParse(template.BodyMediaType, out var jsonType) && jsonType.MediaType is not null
                    ? new MediaTypeHeaderValue(jsonType.MediaType)
                    : new MediaTypeHeaderValue("application/json");
                return null;
            case BodyEncoding.Form:
                var fields = new List<KeyValuePair<string, string>>();
                foreach (var (name, value) in Fields(template, arguments, whole))
                {
                    if (value.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var item in value.EnumerateArray())
                        {
                            fields.Add(new(name, Scalar(item)));
                        }
                    }
                    else if (value.ValueKind != JsonValueKind.Null)
                    {
                        fields.Add(new(name, Scalar(value)));
                    }
                }

                request.Content = new FormUrlEncodedContent(fields);
                return null;
            case BodyEncoding.Multipart:
                var multipart = new MultipartFormDataContent();
                foreach (var (name, value) in Fields(template, arguments, whole))
                {
                    if (value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                    {
                        var part = new ByteArrayContent(Encoding.UTF8.GetBytes(value.GetRawText()));
                        part.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                        multipart.Add(part, name);
                    }
                    else if (value.ValueKind != JsonValueKind.Null)
                    {
                        multipart.Add(new StringContent(Scalar(value)), name);
                    }
                }

                request.Content = multipart;
                return null;
            case BodyEncoding.Text:
                if (whole is not { ValueKind: JsonValueKind.String } text)
                {
                    return $"the request body ({template.BodyMediaType}) must be a string";
                }

                var textType = MediaTypeHeaderValue.TryParse(template.BodyMediaType, out var parsed) && parsed.MediaType is not null ? parsed.MediaType : "text/plain";
                request.Content = new StringContent(text.GetString()!, Encoding.UTF8, textType);
                return null;
            case BodyEncoding.Xml:
                return XmlBodyWriter.Write(request, template.BodyMediaType, template.BodyXml, whole ?? BodyObject(template, arguments));
            case BodyEncoding.Binary:
                return whole is { } bytes ? BinaryBodyWriter.Write(request, template.BodyMediaType, template.WholeBody!.Argument, bytes) : null;
            default:
                return $"request bodies of type '{template.BodyMediaType}' are not supported";
        }
    }

    /// <summary>The body's properties as one JSON object, by their wire names.</summary>
    private static JsonElement BodyObject(RequestTemplate template, IReadOnlyDictionary<string, JsonElement> arguments)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in Fields(template, arguments, null))
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return JsonElement.Parse(buffer.WrittenSpan);
    }

    private static IEnumerable<(string Name, JsonElement Value)> Fields(RequestTemplate template, IReadOnlyDictionary<string, JsonElement> arguments, JsonElement? whole)
    {
        if (whole is { ValueKind: JsonValueKind.Object } obj)
        {
            foreach (var property in obj.EnumerateObject())
            {
                yield return (property.Name, property.Value);
            }

            yield break;
        }

        foreach (var p in template.BodyProperties)
        {
            if (TryGet(arguments, p.Argument, out var value))
            {
                yield return (p.Name, value);
            }
        }
    }
}
