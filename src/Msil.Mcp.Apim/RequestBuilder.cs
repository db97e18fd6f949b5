using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Apim;

/// <summary>
/// Builds the HTTP request from a tool's binding. Path values are escaped and may not contain a path separator or be
/// <c>.</c>/<c>..</c>, so nothing can be smuggled into the path; arguments can never set security or hop-by-hop headers.
/// </summary>
internal static class RequestBuilder
{
    public static string? Build(
        HttpRequestMessage request,
        Uri gateway,
        HttpBinding binding,
        IReadOnlyDictionary<string, JsonElement> arguments,
        string subscriptionKeyHeader,
        HashSet<string> forbiddenHeaders)
    {
        var path = new StringBuilder(binding.PathTemplate);
        var query = new StringBuilder();
        Dictionary<string, JsonElement>? body = null;
        JsonElement? wholeBody = null;
        foreach (var p in binding.Parameters)
        {
            if (!arguments.TryGetValue(p.Argument, out var value) || value.ValueKind is JsonValueKind.Undefined)
            {
                continue;
            }

            switch (p.Location)
            {
                case ParameterLocation.Path:
                    var segment = Scalar(value);
                    if (segment.Length == 0 || segment is "." or ".." || segment.Contains('/', StringComparison.Ordinal) || segment.Contains('\\', StringComparison.Ordinal))
                    {
                        return $"path parameter '{p.Argument}' must be a non-empty value without '/', '\\', and not '.' or '..'";
                    }

                    path.Replace("{" + p.Name + "}", Uri.EscapeDataString(segment));
                    break;
                case ParameterLocation.Query:
                    AppendQuery(query, p, value);
                    break;
                case ParameterLocation.Header:
                    if (forbiddenHeaders.Contains(p.Name) || string.Equals(p.Name, subscriptionKeyHeader, StringComparison.OrdinalIgnoreCase))
                    {
                        return $"argument '{p.Argument}' would set the protected header '{p.Name}'";
                    }

                    var headerValue = Scalar(value);
                    if (headerValue.AsSpan().IndexOfAny('\r', '\n') >= 0)
                    {
                        return $"header argument '{p.Argument}' must not contain line breaks";
                    }

                    request.Headers.TryAddWithoutValidation(p.Name, headerValue);
                    break;
                case ParameterLocation.Cookie:
                    request.Headers.TryAddWithoutValidation("Cookie", Uri.EscapeDataString(p.Name) + "=" + Uri.EscapeDataString(Scalar(value)));
                    break;
                case ParameterLocation.Body:
                    (body ??= new Dictionary<string, JsonElement>(StringComparer.Ordinal))[p.Name] = value;
                    break;
                case ParameterLocation.WholeBody:
                    wholeBody = value;
                    break;
            }
        }

        if (path.ToString().Contains('{', StringComparison.Ordinal))
        {
            return "a required path parameter is missing";
        }

        var baseText = gateway.ToString().TrimEnd('/');
        request.RequestUri = new Uri(baseText + path + (query.Length > 0 ? "?" + query : string.Empty), UriKind.Absolute);

        if (body is not null || wholeBody is not null)
        {
            var contentType = binding.BodyContentType ?? "application/json";
            if (contentType.Contains("x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) && body is not null)
            {
                request.Content = new FormUrlEncodedContent(body.Select(kv => new KeyValuePair<string, string>(kv.Key, Scalar(kv.Value))));
            }
            else if (contentType.Contains("multipart/form-data", StringComparison.OrdinalIgnoreCase) && body is not null)
            {
                var multipart = new MultipartFormDataContent();
                foreach (var (name, value) in body)
                {
                    multipart.Add(new StringContent(Scalar(value)), name);
                }

                request.Content = multipart;
            }
            else
            {
                var json = wholeBody is { } whole
                    ? JsonSerializer.SerializeToUtf8Bytes(whole, ApimJsonContext.Default.JsonElement)
                    : JsonSerializer.SerializeToUtf8Bytes(body!, ApimJsonContext.Default.DictionaryStringJsonElement);
                request.Content = new ByteArrayContent(json);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            }
        }

        return null;
    }

    private static void AppendQuery(StringBuilder query, HttpParameterBinding p, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Array)
        {
            var items = value.EnumerateArray().Select(Scalar).ToArray();
            if (p.Explode ?? true)
            {
                foreach (var item in items)
                {
                    Add(query, p.Name, item);
                }
            }
            else
            {
                var separator = p.Style switch { "spaceDelimited" => " ", "pipeDelimited" => "|", _ => "," };
                Add(query, p.Name, string.Join(separator, items));
            }

            return;
        }

        Add(query, p.Name, Scalar(value));
    }

    private static void Add(StringBuilder query, string name, string value)
    {
        if (query.Length > 0)
        {
            query.Append('&');
        }

        query.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
    }

    internal static string Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() ?? string.Empty,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => string.Empty,
        JsonValueKind.Number => value.GetRawText(),
        _ => value.GetRawText(),
    };

}
