using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using Microsoft.OpenApi.YamlReader;

namespace Msil.Mcp.Registry.OpenApi;

/// <summary>Reads an OpenAPI document (2.0, 3.0, 3.1; JSON or YAML) with Microsoft.OpenApi, offline and within limits.</summary>
/// <remarks>
/// External references are never loaded: <see cref="OpenApiReaderSettings.LoadExternalRefs"/> is off and the
/// external loader refuses every request, so a document cannot make the compiler fetch anything. Nesting is limited
/// to <see cref="MaxNesting"/> levels for JSON and YAML, and YAML alias expansion is bounded by the reader's defaults.
/// A <c>const</c> whose value is not a JSON string is moved into an extension before reading (<see cref="TypedConst"/>),
/// because the reader would keep it only as text; for YAML that means a second read of the document, only when it
/// has such a <c>const</c>.
/// </remarks>
internal static class OpenApiDocumentReader
{
    /// <summary>The deepest JSON or YAML nesting accepted.</summary>
    internal const int MaxNesting = 256;

    private static readonly Uri BaseUri = new("urn:msil-mcp:openapi");

    /// <summary>Parses the document.</summary>
    /// <param name="utf8">The document bytes.</param>
    /// <param name="maxDocumentBytes">The configured document size limit, passed on to the YAML reader.</param>
    /// <returns>The read result, or the reason the document could not be read.</returns>
    public static (ReadResult? Result, string? Error) Read(ReadOnlyMemory<byte> utf8, long maxDocumentBytes)
    {
        var bytes = utf8.Span;
        if (bytes.StartsWith("\uFEFF"u8))
        {
            utf8 = utf8[3..];
            bytes = utf8.Span;
        }

        var settings = new OpenApiReaderSettings
        {
            LoadExternalRefs = false,
            CustomExternalLoader = RefusingStreamLoader.Instance,
            RuleSet = ValidationRuleSet.GetEmptyRuleSet(),
        };

        var first = FirstSignificantByte(bytes);
        if (first < 0)
        {
            return (null, "The document is empty.");
        }

        try
        {
            ReadResult result;
            if (first is (byte)'{' or (byte)'[')
            {
                JsonNode? node;
                try
                {
                    node = JsonNode.Parse(bytes, nodeOptions: null, new JsonDocumentOptions
                    {
                        MaxDepth = MaxNesting,
                        AllowTrailingCommas = true,
                        CommentHandling = JsonCommentHandling.Skip,
                    });
                }
                catch (JsonException ex)
                {
                    return (null, "The document is not valid JSON: " + ex.Message);
                }

                if (node is not JsonObject)
                {
                    return (null, "The document is not a JSON object.");
                }

                if (TypedConst.Mentions(bytes, json: true))
                {
                    _ = TypedConst.Annotate(node);
                }

                result = new OpenApiJsonReader().Read(node, BaseUri, settings);
            }
            else
            {
                var limit = (uint)Math.Clamp(maxDocumentBytes, 1, uint.MaxValue);
                var reader = new OpenApiYamlReader(new OpenApiYamlReaderSettings
                {
                    MaxDepth = MaxNesting,
                    MaxInputByteCount = limit,
                    MaxScalarLength = Math.Max(limit, OpenApiYamlReaderSettings.DefaultMaxScalarLength),
                });
                using var stream = new MemoryStream(utf8.ToArray(), writable: false);
                result = reader.Read(stream, BaseUri, settings);
                if (result.Document is not null && TypedConst.Mentions(bytes, json: false) && ReadYamlTree(utf8) is { } tree && TypedConst.Annotate(tree) > 0)
                {
                    // Read again from the annotated tree: the YAML reader above accepted the document within its limits.
                    result = new OpenApiJsonReader().Read(tree, BaseUri, settings);
                }
            }

            if (result.Document is null)
            {
                var errors = result.Diagnostic?.Errors;
                var message = errors is { Count: > 0 }
                    ? string.Join("; ", errors.Take(5).Select(e => e.ToString()))
                    : "the reader produced no document";
                return (null, "The document cannot be read as OpenAPI: " + message);
            }

            return (result, null);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The reader throws for unsupported versions and for some malformed input; never let it escape.
            return (null, $"The document cannot be read as OpenAPI: {ex.Message}");
        }
    }

    /// <summary>Returns the OpenAPI version as text (<c>2.0</c>, <c>3.0</c>, <c>3.1</c>, <c>3.2</c>).</summary>
    public static string ToText(OpenApiSpecVersion version) => version switch
    {
        OpenApiSpecVersion.OpenApi2_0 => "2.0",
        OpenApiSpecVersion.OpenApi3_0 => "3.0",
        OpenApiSpecVersion.OpenApi3_1 => "3.1",
        OpenApiSpecVersion.OpenApi3_2 => "3.2",
        _ => version.ToString(),
    };

    /// <summary>Reads a YAML document (already accepted by the YAML reader) into JSON, as that reader does.</summary>
    private static JsonNode? ReadYamlTree(ReadOnlyMemory<byte> utf8)
    {
        var yaml = new SharpYaml.Serialization.YamlStream();
        using (var reader = new StreamReader(new MemoryStream(utf8.ToArray(), writable: false)))
        {
            yaml.Load(reader);
        }

        return yaml.Documents.Count > 0 ? YamlConverter.ToJsonNode(yaml.Documents[0]) : null;
    }

    private static int FirstSignificantByte(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return b;
            }
        }

        return -1;
    }

    /// <summary>An external loader that loads nothing.</summary>
    private sealed class RefusingStreamLoader : IStreamLoader
    {
        public static readonly RefusingStreamLoader Instance = new();

        public Task<Stream> LoadAsync(Uri baseUrl, Uri uri, CancellationToken cancellationToken) =>
            Task.FromException<Stream>(new InvalidOperationException($"External references are not loaded ({uri})."));
    }
}
