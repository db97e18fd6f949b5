namespace Msil.Mcp.Registry;

/// <summary>Options of the tool registry, bound from <c>Msil:Mcp:Registry</c>.</summary>
public sealed class ToolRegistryOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Msil:Mcp:Registry";

    /// <summary>Gets the OpenAPI documents imported when the host starts.</summary>
    /// <value>Defaults to empty.</value>
    public IList<OpenApiSourceOptions> Sources { get; } = [];

    /// <summary>Gets or sets the longest tool description kept, in characters.</summary>
    /// <value>Defaults to 1024.</value>
    public int MaxDescriptionLength { get; set; } = 1024;

    /// <summary>Gets or sets the largest OpenAPI document accepted, in bytes.</summary>
    /// <value>Defaults to 25 MB.</value>
    public long MaxDocumentBytes { get; set; } = 25L * 1024 * 1024;
}

/// <summary>One OpenAPI document to import.</summary>
public sealed class OpenApiSourceOptions
{
    /// <summary>Gets or sets the source name; tools are stored under <c>openapi:{Name}</c>.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Gets or sets the document's file path (JSON or YAML).</summary>
    public string? Path { get; set; }

    /// <summary>Gets or sets a function that opens the document, for documents embedded in an assembly. Code only.</summary>
    public Func<Stream>? Open { get; set; }

    /// <summary>Gets or sets the named API gateway the tools call; <see langword="null"/> for the default gateway.</summary>
    public string? Gateway { get; set; }

    /// <summary>Gets or sets the audience of the downstream token for these tools; <see langword="null"/> for the gateway's default.</summary>
    public string? Audience { get; set; }
}
