using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Apim.Resilience;

namespace Msil.Mcp.Apim.Http;

/// <summary>How a request body is encoded.</summary>
internal enum BodyEncoding
{
    /// <summary>The operation has no body.</summary>
    None,

    /// <summary>JSON (<c>application/json</c> or <c>*/*+json</c>).</summary>
    Json,

    /// <summary><c>application/x-www-form-urlencoded</c>.</summary>
    Form,

    /// <summary><c>multipart/form-data</c>.</summary>
    Multipart,

    /// <summary><c>text/*</c>: the whole body is one string.</summary>
    Text,

    /// <summary><c>application/xml</c>, <c>text/xml</c> or <c>*/*+xml</c>: written by <see cref="XmlBodyWriter"/>.</summary>
    Xml,

    /// <summary><c>application/octet-stream</c>: a base64 argument, written by <see cref="BinaryBodyWriter"/>.</summary>
    Binary,

    /// <summary>A media type this client cannot produce.</summary>
    Unsupported,
}

/// <summary>One piece of a path template: literal text, or a variable filled from an argument.</summary>
/// <param name="Literal">The literal text, when <paramref name="Parameter"/> is <see langword="null"/>.</param>
/// <param name="Variable">The template variable's name.</param>
/// <param name="Parameter">The binding that fills the variable, if the tool has one.</param>
internal readonly record struct PathPart(string? Literal, string? Variable, HttpParameterBinding? Parameter);

/// <summary>
/// Everything derived from a tool's HTTP binding, built once per tool definition (ARCHITECTURE §9) and kept for as long
/// as the definition lives: the parsed path template, the bindings by location, the retry decision and the output check.
/// </summary>
internal sealed class RequestTemplate
{
    private static readonly ConditionalWeakTable<ToolDefinition, RequestTemplate> Cache = [];

    private RequestTemplate(ToolDefinition tool, HttpBinding binding)
    {
        Method = binding.Method.ToUpperInvariant() switch
        {
            "GET" => HttpMethod.Get,
            "POST" => HttpMethod.Post,
            "PUT" => HttpMethod.Put,
            "DELETE" => HttpMethod.Delete,
            "PATCH" => HttpMethod.Patch,
            "HEAD" => HttpMethod.Head,
            "OPTIONS" => HttpMethod.Options,
            var other => new HttpMethod(other),
        };
        var idempotentMethod = ApimCall.IsIdempotentMethod(Method);

        // A tool marked idempotent (the importer's curation or the generator's attribute sets ToolDefinition.Idempotent)
        // may be retried whatever its method: its Idempotency-Key is the same on every attempt. An explicit false wins too.
        RetryAllowed = tool.Idempotent ?? idempotentMethod;

        // Every call that may change state carries the key, so a backend can deduplicate (an operation whose OpenAPI
        // document declares an Idempotency-Key header has it compiled away as an argument: this key stands for it).
        SendIdempotencyKey = !IsSafeMethod(Method);
        Gateway = binding.Gateway;
        Audience = binding.Audience;
        RiskLevel = tool.RiskLevel.ToWire();
        Output = OutputCheck.Compile(tool.OutputSchema);
        SpanName = "call " + tool.Name;

        var query = new List<HttpParameterBinding>();
        var headers = new List<HttpParameterBinding>();
        var cookies = new List<HttpParameterBinding>();
        var body = new List<HttpParameterBinding>();
        var path = new Dictionary<string, HttpParameterBinding>(StringComparer.Ordinal);
        foreach (var p in binding.Parameters)
        {
            switch (p.Location)
            {
                case ParameterLocation.Path:
                    path.TryAdd(p.Name, p);
                    break;
                case ParameterLocation.Query:
                    query.Add(p);
                    break;
                case ParameterLocation.Header:
                    headers.Add(p);
                    break;
                case ParameterLocation.Cookie:
                    cookies.Add(p);
                    break;
                case ParameterLocation.Body:
                    body.Add(p);
                    break;
                case ParameterLocation.WholeBody:
                    WholeBody = p;
                    break;
            }
        }

        Path = ParsePath(binding.PathTemplate, path);
        Query = [.. query];
        QueryNames = query.Select(p => p.Name).ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        AllowedObjectKeys = ClosedObjects(tool.InputSchema, binding.Parameters);
        Headers = [.. headers];

        // Checked once here, enforced per call when the argument has a value (an optional header the model leaves out,
        // such as an operation's own Idempotency-Key parameter, does not stop the tool).
        HeaderProblems = [.. headers.Select(p => RequestBuilder.IsProtectedHeader(p.Name)
            ? $"argument '{p.Argument}' would set the protected header '{p.Name}'"
            : RequestBuilder.IsToken(p.Name) ? null : $"argument '{p.Argument}' cannot be sent as header '{p.Name}', which is not a valid header name")];
        Cookies = [.. cookies];
        BodyProperties = [.. body];
        BodyMediaType = binding.BodyContentType ?? "application/json";
        BodyEncoding = body.Count == 0 && WholeBody is null ? BodyEncoding.None : EncodingOf(BodyMediaType);
        BodyXml = binding.BodyXml;
        ResponseXml = binding.ResponseXml;
        Credentials = binding.Credentials;
    }

    public HttpMethod Method { get; }

    private static bool IsSafeMethod(HttpMethod method)
        => method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options || method == HttpMethod.Trace;

    /// <summary>Gets whether a failed attempt may be sent again.</summary>
    public bool RetryAllowed { get; }

    /// <summary>Gets whether the call carries an <c>Idempotency-Key</c> (every method that is not safe: POST, PUT, PATCH, DELETE, …).</summary>
    public bool SendIdempotencyKey { get; }

    public string? Gateway { get; }

    public string? Audience { get; }

    public string RiskLevel { get; }

    public PathPart[] Path { get; }

    public HttpParameterBinding[] Query { get; }

    /// <summary>Gets the names of the declared query parameters (case-insensitive): keys an argument object may not add again.</summary>
    public FrozenSet<string> QueryNames { get; }

    /// <summary>
    /// Gets, by argument, the only keys an object argument may spread into parameter names (query <c>form</c> exploded,
    /// <c>deepObject</c>, path <c>matrix</c> exploded): its schema's <c>properties</c>, for arguments whose schema says
    /// <c>additionalProperties: false</c>. An argument not listed may use any key its schema allows (the protected query
    /// names are refused whatever the schema says).
    /// </summary>
    public FrozenDictionary<string, FrozenSet<string>> AllowedObjectKeys { get; }

    public HttpParameterBinding[] Headers { get; }

    /// <summary>Gets, for each of <see cref="Headers"/>, why no argument may set it, or <see langword="null"/>.</summary>
    public string?[] HeaderProblems { get; }

    public HttpParameterBinding[] Cookies { get; }

    public HttpParameterBinding[] BodyProperties { get; }

    public HttpParameterBinding? WholeBody { get; }

    public string BodyMediaType { get; }

    public BodyEncoding BodyEncoding { get; }

    public OutputCheck? Output { get; }

    /// <summary>Gets how an XML body is written, if the body is XML.</summary>
    public XmlMapping? BodyXml { get; }

    /// <summary>Gets how an XML response is read, if the operation answers in XML and its schema says how.</summary>
    public XmlMapping? ResponseXml { get; }

    /// <summary>Gets the credentials the backend expects.</summary>
    public IReadOnlyList<BackendCredential> Credentials { get; }

    /// <summary>Gets the name of the call's span (<c>call {tool}</c>), made once.</summary>
    public string SpanName { get; }

    /// <summary>
    /// Gets or sets the last request URL built from this template and its <see cref="Uri"/>: a call whose arguments give
    /// the same URL (every call of a tool without path or query arguments) reuses the immutable <see cref="Uri"/>.
    /// </summary>
    internal BuiltUri? LastUri { get; set; }

    /// <summary>Gets the template of a tool, compiling it on first use.</summary>
    /// <exception cref="InvalidOperationException">The tool has no HTTP binding.</exception>
    public static RequestTemplate For(ToolDefinition tool)
        => Cache.GetValue(tool, static t => new RequestTemplate(t, t.Http ?? throw new InvalidOperationException($"Tool '{t.Name}' has no HTTP binding.")));

    private static BodyEncoding EncodingOf(string mediaType)
    {
        var type = mediaType.AsSpan();
        var semicolon = type.IndexOf(';');
        if (semicolon >= 0)
        {
            type = type[..semicolon];
        }

        type = type.Trim();
        if (type.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
        {
            return BodyEncoding.Json;
        }

        if (type.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            return BodyEncoding.Form;
        }

        if (type.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return BodyEncoding.Multipart;
        }

        if (type.Equals("application/xml", StringComparison.OrdinalIgnoreCase) || type.Equals("text/xml", StringComparison.OrdinalIgnoreCase)
            || type.EndsWith("+xml", StringComparison.OrdinalIgnoreCase))
        {
            return BodyEncoding.Xml;
        }

        if (type.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            return BodyEncoding.Binary;
        }

        return type.StartsWith("text/", StringComparison.OrdinalIgnoreCase) ? BodyEncoding.Text : BodyEncoding.Unsupported;
    }

    private static FrozenDictionary<string, FrozenSet<string>> ClosedObjects(JsonElement schema, IReadOnlyList<HttpParameterBinding> parameters)
    {
        var closed = new Dictionary<string, FrozenSet<string>>(StringComparer.Ordinal);
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            return closed.ToFrozenDictionary(StringComparer.Ordinal);
        }

        foreach (var p in parameters)
        {
            if (p.Location is not (ParameterLocation.Query or ParameterLocation.Path)
                || !properties.TryGetProperty(p.Argument, out var argument) || argument.ValueKind != JsonValueKind.Object
                || !argument.TryGetProperty("additionalProperties", out var additional) || additional.ValueKind != JsonValueKind.False
                || argument.TryGetProperty("patternProperties", out _))
            {
                continue;
            }

            var keys = argument.TryGetProperty("properties", out var declared) && declared.ValueKind == JsonValueKind.Object
                ? declared.EnumerateObject().Select(k => k.Name)
                : [];
            closed[p.Argument] = keys.ToFrozenSet(StringComparer.Ordinal);
        }

        return closed.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static PathPart[] ParsePath(string template, Dictionary<string, HttpParameterBinding> parameters)
    {
        var parts = new List<PathPart>();
        var start = 0;
        while (start < template.Length)
        {
            var open = template.IndexOf('{', start);
            var close = open < 0 ? -1 : template.IndexOf('}', open + 1);
            if (open < 0 || close < 0)
            {
                parts.Add(new PathPart(template[start..], null, null));
                break;
            }

            if (open > start)
            {
                parts.Add(new PathPart(template[start..open], null, null));
            }

            var variable = template[(open + 1)..close];
            parts.Add(new PathPart(null, variable, parameters.GetValueOrDefault(variable)));
            start = close + 1;
        }

        return [.. parts];
    }
}

/// <summary>
/// A light check of a JSON result against the tool's declared output schema: an object, with every required top-level
/// property, and top-level properties of the declared primitive types. The full validator is the core's.
/// </summary>
internal sealed class OutputCheck
{
    private readonly string[] _required;
    private readonly (string Name, string[] Types)[] _types;

    private OutputCheck(string[] required, (string Name, string[] Types)[] types)
    {
        _required = required;
        _types = types;
    }

    public static OutputCheck? Compile(JsonElement? schema)
    {
        if (schema is not { ValueKind: JsonValueKind.Object } s)
        {
            return null;
        }

        var required = new List<string>();
        if (s.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in r.EnumerateArray())
            {
                if (name.ValueKind == JsonValueKind.String)
                {
                    required.Add(name.GetString()!);
                }
            }
        }

        var types = new List<(string, string[])>();
        if (s.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in properties.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Object && property.Value.TryGetProperty("type", out var type))
                {
                    string[] names = type.ValueKind switch
                    {
                        JsonValueKind.String => [type.GetString()!],
                        JsonValueKind.Array => [.. type.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!)],
                        _ => [],
                    };
                    if (names.Length > 0)
                    {
                        types.Add((property.Name, names));
                    }
                }
            }
        }

        return new OutputCheck([.. required], [.. types]);
    }

    /// <summary>Checks a result.</summary>
    /// <param name="result">The parsed JSON result.</param>
    /// <returns><see langword="null"/> when it conforms, else what is wrong.</returns>
    public string? Check(JsonElement result)
    {
        if (result.ValueKind != JsonValueKind.Object)
        {
            return $"the result is {Article(result.ValueKind)}, not an object";
        }

        foreach (var name in _required)
        {
            if (!result.TryGetProperty(name, out _))
            {
                return $"the required property '{name}' is missing";
            }
        }

        foreach (var (name, types) in _types)
        {
            if (result.TryGetProperty(name, out var value) && !IsAny(Kind(value), types))
            {
                return $"the property '{name}' is {Article(value.ValueKind)}, not {string.Join(" or ", types)}";
            }
        }

        return null;
    }

    /// <summary>
    /// Whether a JSON object in UTF-8 passes <see cref="Check"/>, read without a parse (no DOM): the same rules on the
    /// same bytes, the last of duplicate names deciding as <see cref="JsonElement.TryGetProperty(string, out JsonElement)"/>
    /// does. <see langword="false"/> for anything else (not an object, malformed, or more names than it tracks), which
    /// <see cref="Check"/> then decides on the parse.
    /// </summary>
    public bool Conforms(ReadOnlySpan<byte> utf8Json)
    {
        if (_required.Length > 32 || _types.Length > 32)
        {
            return false;
        }

        Span<bool> found = stackalloc bool[_required.Length];
        Span<byte> kinds = stackalloc byte[_types.Length];
        kinds.Clear();
        var reader = new Utf8JsonReader(utf8Json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                for (var i = 0; i < _required.Length; i++)
                {
                    if (reader.ValueTextEquals(_required[i]))
                    {
                        found[i] = true;
                    }
                }

                var typed = 0UL;
                for (var j = 0; j < _types.Length; j++)
                {
                    if (reader.ValueTextEquals(_types[j].Name))
                    {
                        typed |= 1UL << j;
                    }
                }

                reader.Read();
                if (typed != 0)
                {
                    var kind = Kind(ref reader);
                    for (var j = 0; j < _types.Length; j++)
                    {
                        if ((typed & (1UL << j)) != 0)
                        {
                            kinds[j] = kind;
                        }
                    }
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        foreach (var f in found)
        {
            if (!f)
            {
                return false;
            }
        }

        for (var j = 0; j < _types.Length; j++)
        {
            if (kinds[j] != 0 && !IsAny(kinds[j], _types[j].Types))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsAny(byte kind, string[] types)
    {
        foreach (var type in types)
        {
            if (Is(kind, type))
            {
                return true;
            }
        }

        return false;
    }

    private const byte KindObject = 1, KindArray = 2, KindString = 3, KindNumber = 4, KindInteger = 5, KindBoolean = 6, KindNull = 7;

    /// <summary>The kind of the value the reader is on, an integral number apart (as <see cref="Kind(JsonElement)"/> tells one).</summary>
    private static byte Kind(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.StartObject => KindObject,
        JsonTokenType.StartArray => KindArray,
        JsonTokenType.String => KindString,
        JsonTokenType.Number => reader.TryGetInt64(out _) || (reader.TryGetDouble(out var d) && Math.Floor(d) == d) ? KindInteger : KindNumber,
        JsonTokenType.True or JsonTokenType.False => KindBoolean,
        _ => KindNull,
    };

    private static bool Is(byte kind, string type) => type switch
    {
        "object" => kind == KindObject,
        "array" => kind == KindArray,
        "string" => kind == KindString,
        "number" => kind is KindNumber or KindInteger,
        "integer" => kind == KindInteger,
        "boolean" => kind == KindBoolean,
        "null" => kind == KindNull,
        _ => true,
    };

    /// <summary>The kind of a parsed value, by the same rules as <see cref="Kind(ref Utf8JsonReader)"/>, so the parsed check and <see cref="Conforms"/> cannot differ.</summary>
    private static byte Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => KindObject,
        JsonValueKind.Array => KindArray,
        JsonValueKind.String => KindString,
        JsonValueKind.Number => value.TryGetInt64(out _) || (value.TryGetDouble(out var d) && Math.Floor(d) == d) ? KindInteger : KindNumber,
        JsonValueKind.True or JsonValueKind.False => KindBoolean,
        _ => KindNull,
    };

    private static string Article(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "undefined",
    };
}

/// <summary>A request URL as text and as the <see cref="Uri"/> parsed from it.</summary>
/// <param name="Text">The URL's text as built.</param>
/// <param name="Uri">The absolute URI parsed from <paramref name="Text"/>.</param>
internal sealed record BuiltUri(string Text, Uri Uri);
