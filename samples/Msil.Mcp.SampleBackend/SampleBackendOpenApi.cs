namespace Msil.Mcp.SampleBackend;

/// <summary>
/// The backend's OpenAPI 3.1 document, embedded in this assembly and served at <c>GET {prefix}/openapi.json</c>.
/// </summary>
public static class SampleBackendOpenApi
{
    /// <summary>
    /// The name under which a host imports the document into its tool registry.
    /// </summary>
    public const string DocumentName = "sample-backend";

    private const string ResourceName = "Msil.Mcp.SampleBackend.openapi.json";

    /// <summary>
    /// Opens the embedded OpenAPI document (UTF-8 JSON). The caller disposes the stream.
    /// </summary>
    /// <returns>A new read-only stream positioned at the start of the document.</returns>
    /// <exception cref="InvalidOperationException">The document is missing from the assembly (a broken build).</exception>
    public static Stream OpenDocument() =>
        typeof(SampleBackendOpenApi).Assembly.GetManifestResourceStream(ResourceName)
        ?? throw new InvalidOperationException($"The embedded resource '{ResourceName}' is missing; check the EmbeddedResource item of Msil.Mcp.SampleBackend.csproj.");
}
