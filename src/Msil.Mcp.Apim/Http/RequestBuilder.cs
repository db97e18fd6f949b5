using System.Buffers;
using System.Collections.Frozen;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Apim.Http;

/// <summary>
/// Builds a tool call's HTTP request from its <see cref="RequestTemplate"/> and validated arguments, serializing values
/// per OpenAPI <c>style</c>/<c>explode</c>. Path values are escaped and may not contain <c>/</c>, <c>\</c> or control
/// characters or be <c>.</c>/<c>..</c>, so nothing can be smuggled into the path; arguments can never set security or
/// hop-by-hop headers, nor credential query parameters; header values must be printable ASCII. Every refusal is a
/// message for the model naming the argument, returned before the request exists: nothing a caller sends can make the
/// request fail inside the HTTP client, where it would look like a failure of the gateway.
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

    /// <summary>The largest URL builder kept for the thread's next call, in characters.</summary>
    private const int MaxKeptUrlCapacity = 4096;

    /// <summary>The thread's URL builder: the URL is built without an await, so one per thread is enough.</summary>
    [ThreadStatic]
    private static StringBuilder? t_url;

    /// <summary>The query parameter the API manager reads a subscription key from unless configured otherwise.</summary>
    public const string DefaultSubscriptionKeyQueryName = "subscription-key";

    /// <summary>
    /// Query parameters no key taken from an argument's object may set (a free-form <c>form</c>/<c>explode</c> object):
    /// credentials that gateways, OAuth servers and storage services read from the query string, and the query forms of
    /// the protected headers that some gateways accept. Compared case-insensitively.
    /// </summary>
    private static readonly FrozenSet<string> ProtectedQueryNames = new[]
    {
        DefaultSubscriptionKeyQueryName, "subscription_key", "Ocp-Apim-Subscription-Key", "access_token", "id_token",
        "refresh_token", "token", "code", "client_id", "client_secret", "client_assertion", "client_assertion_type",
        "assertion", "password", "api-key", "apikey", "api_key", "x-api-key", "key", "sig", "signature", "se", "sp", "sv",
        "sr", "st", "spr", "skoid", "sktid", "skt", "ske", "sks", "skv", "X-Amz-Signature", "X-Amz-Credential",
        "X-Amz-Security-Token", "X-Goog-Signature", "X-Goog-Credential", "Authorization", "Cookie", "Idempotency-Key",
        "X-Correlation-ID", "traceparent", "tracestate",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>Returns whether <paramref name="name"/> is a query parameter no argument object may add (the gateway's own key name is checked per call).</summary>
    public static bool IsProtectedQueryName(string name) => ProtectedQueryNames.Contains(name) || name.StartsWith("X-MCP-", StringComparison.OrdinalIgnoreCase);

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
        string subscriptionKeyHeader,
        string subscriptionKeyQueryName = DefaultSubscriptionKeyQueryName)
    {
        var url = t_url ??= new StringBuilder(256);
        url.Clear();
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

            var error = CheckText("path", p.Argument, value, TextRule.NoControl) ?? AppendPath(url, template, p, value);
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
                var error = CheckText("query", p.Argument, value, TextRule.NoNul) ?? CheckQueryNames(template, p, value, subscriptionKeyQueryName);
                if (error is not null)
                {
                    return error;
                }

                AppendQuery(url, ref firstQuery, p, value);
            }
        }

        Uri? uri;
        if (template.LastUri is { } last && url.Equals(last.Text.AsSpan()))
        {
            uri = last.Uri;
        }
        else
        {
            var text = url.ToString();
            if (!Uri.TryCreate(text, UriKind.Absolute, out uri))
            {
                return "the request URL cannot be built from the path and query arguments";
            }

            template.LastUri = new BuiltUri(text, uri);
        }

        if (url.Capacity > MaxKeptUrlCapacity)
        {
            t_url = null;
        }

        request.RequestUri = uri;

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

            if (CheckText("header", p.Argument, value, TextRule.Any) is { } invalid)
            {
                return invalid;
            }

            var text = Simple(value, p.Explode ?? false, escape: false);
            if (HttpText.HeaderValueProblem(text) is { } bad)
            {
                return $"header argument '{p.Argument}' {bad}";
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
                    if (CheckText("cookie", p.Argument, value, TextRule.Any) is { } invalid)
                    {
                        return invalid;
                    }

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

    private enum TextRule
    {
        Any,
        NoNul,
        NoControl,
    }

    /// <summary>
    /// Checks every string of an argument (keys too): it must be text (a JSON string with a lone surrogate escape cannot be
    /// read as one), and per <paramref name="rule"/> free of NUL or of every control character.
    /// </summary>
    private static string? CheckText(string location, string argument, JsonElement value, TextRule rule)
    {
        try
        {
            return Walk(value) ? null : rule switch
            {
                TextRule.NoControl => $"{location} argument '{argument}' must not contain control characters (line breaks, tabs, NUL, DEL)",
                _ => $"{location} argument '{argument}' must not contain NUL characters",
            };
        }
        catch (InvalidOperationException)
        {
            return $"{location} argument '{argument}' is not valid Unicode text (it has an unpaired surrogate escape): send the text without it";
        }

        bool Walk(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    return Fits(element.GetString()!);
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        if (!Walk(item))
                        {
                            return false;
                        }
                    }

                    return true;
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        if (!Fits(property.Name) || !Walk(property.Value))
                        {
                            return false;
                        }
                    }

                    return true;
                default:
                    return true;
            }
        }

        bool Fits(string text) => rule switch
        {
            TextRule.NoControl => !HttpText.HasControl(text),
            TextRule.NoNul => !text.Contains('\0', StringComparison.Ordinal),
            _ => true,
        };
    }

    /// <summary>
    /// Checks the query parameter names a query argument produces. Its declared name may not be the gateway's
    /// subscription key parameter; keys of an object spread into the query (<c>form</c> exploded) may not be protected
    /// or another binding's name; and when the argument's schema says <c>additionalProperties: false</c>, keys spread
    /// into names (exploded or <c>deepObject</c>) must be among its declared <c>properties</c>.
    /// </summary>
    private static string? CheckQueryNames(RequestTemplate template, HttpParameterBinding p, JsonElement value, string subscriptionKeyQueryName)
    {
        if (IsSubscriptionKeyQueryName(p.Name, subscriptionKeyQueryName))
        {
            return $"query argument '{p.Argument}' would set the protected query parameter '{p.Name}'";
        }

        var style = p.Style ?? "form";
        var deep = style == "deepObject";
        if (value.ValueKind != JsonValueKind.Object || !(deep || (p.Explode ?? style == "form")))
        {
            return null;
        }

        var allowed = template.AllowedObjectKeys.GetValueOrDefault(p.Argument);
        foreach (var property in value.EnumerateObject())
        {
            var key = property.Name;
            if (allowed is not null && !allowed.Contains(key))
            {
                return $"query argument '{p.Argument}' may not set the query parameter '{key}': its schema allows only {Names(allowed)}";
            }

            if (deep)
            {
                continue;
            }

            if (IsProtectedQueryName(key) || IsSubscriptionKeyQueryName(key, subscriptionKeyQueryName))
            {
                return $"query argument '{p.Argument}' would set the protected query parameter '{key}'";
            }

            if (template.QueryNames.Contains(key))
            {
                return $"query argument '{p.Argument}' would set the query parameter '{key}', which another argument of the tool sets; leave it out of '{p.Argument}'";
            }
        }

        return null;
    }

    private static bool IsSubscriptionKeyQueryName(string name, string configured)
        => string.Equals(name, configured, StringComparison.OrdinalIgnoreCase) || string.Equals(name, DefaultSubscriptionKeyQueryName, StringComparison.OrdinalIgnoreCase);

    private static string Names(FrozenSet<string> names)
        => names.Count == 0 ? "no keys" : string.Join(", ", names.Order(StringComparer.Ordinal).Select(n => "'" + n + "'"));

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

    private static string? AppendPath(StringBuilder url, RequestTemplate template, HttpParameterBinding p, JsonElement value)
    {
        // Each primitive is checked before it is escaped: no separator, no dot segment, nothing empty.
        var error = CheckPathValues(p, value);
        if (error is not null)
        {
            return error;
        }

        var explode = p.Explode ?? false;
        if (p.Style == "matrix" && explode && value.ValueKind == JsonValueKind.Object && template.AllowedObjectKeys.GetValueOrDefault(p.Argument) is { } allowed)
        {
            foreach (var property in value.EnumerateObject())
            {
                if (!allowed.Contains(property.Name))
                {
                    return $"path argument '{p.Argument}' may not set the parameter '{property.Name}': its schema allows only {Names(allowed)}";
                }
            }
        }

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
                foreach (var (argument, name, value) in Fields(template, arguments, whole))
                {
                    if (CheckText("body", argument, value, TextRule.Any) is { } invalid)
                    {
                        return invalid;
                    }

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
                foreach (var (argument, name, value) in Fields(template, arguments, whole))
                {
                    // The field name goes into the part's Content-Disposition header: a quote or a line break there would
                    // end the header early (or throw inside the HTTP client).
                    if (name.Contains('"', StringComparison.Ordinal) || HttpText.HasControl(name))
                    {
                        multipart.Dispose();
                        return $"body argument '{argument}' has a field name with a quote or a control character, which a multipart part cannot carry: rename the field";
                    }

                    if (CheckText("body", argument, value, TextRule.Any) is { } invalid)
                    {
                        multipart.Dispose();
                        return invalid;
                    }

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

                if (CheckText("body", template.WholeBody!.Argument, text, TextRule.Any) is { } notText)
                {
                    return notText;
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
            foreach (var (_, name, value) in Fields(template, arguments, null))
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return JsonElement.Parse(buffer.WrittenSpan);
    }

    private static List<(string Argument, string Name, JsonElement Value)> Fields(RequestTemplate template, IReadOnlyDictionary<string, JsonElement> arguments, JsonElement? whole)
    {
        var fields = new List<(string, string, JsonElement)>();
        if (whole is { ValueKind: JsonValueKind.Object } obj)
        {
            var argument = template.WholeBody!.Argument;
            try
            {
                foreach (var property in obj.EnumerateObject())
                {
                    fields.Add((argument, property.Name, property.Value));
                }
            }
            catch (InvalidOperationException)
            {
                // A key that is not text: reported by the value check of the whole argument.
                fields.Clear();
                fields.Add((argument, string.Empty, obj));
            }

            return fields;
        }

        foreach (var p in template.BodyProperties)
        {
            if (TryGet(arguments, p.Argument, out var value))
            {
                fields.Add((p.Argument, p.Name, value));
            }
        }

        return fields;
    }
}
