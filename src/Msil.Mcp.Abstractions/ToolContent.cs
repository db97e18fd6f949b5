namespace Msil.Mcp.Abstractions;

/// <summary>One block of a tool's result content, independent of any MCP SDK; see <see cref="ToolResult.Content"/>.</summary>
/// <remarks>The core maps each block onto the MCP content block of the same kind (text, image, audio, resource, resource_link).</remarks>
public abstract record ToolContent
{
    private protected ToolContent()
    {
    }

    /// <summary>Gets the number of characters this block adds to the result passed to the model (text or base64 data).</summary>
    public abstract int CharacterCount { get; }
}

/// <summary>A text block.</summary>
/// <param name="Text">The text.</param>
public sealed record TextToolContent(string Text) : ToolContent
{
    /// <inheritdoc/>
    public override int CharacterCount => Text.Length;
}

/// <summary>An image, base64-encoded.</summary>
/// <param name="Data">The base64-encoded image bytes.</param>
/// <param name="MimeType">The media type, for example <c>image/png</c>.</param>
public sealed record ImageToolContent(string Data, string MimeType) : ToolContent
{
    /// <inheritdoc/>
    public override int CharacterCount => Data.Length;
}

/// <summary>Audio, base64-encoded.</summary>
/// <param name="Data">The base64-encoded audio bytes.</param>
/// <param name="MimeType">The media type, for example <c>audio/wav</c>.</param>
public sealed record AudioToolContent(string Data, string MimeType) : ToolContent
{
    /// <inheritdoc/>
    public override int CharacterCount => Data.Length;
}

/// <summary>A resource embedded in the result: either its text or its base64-encoded bytes.</summary>
/// <param name="Uri">The resource URI.</param>
/// <param name="MimeType">The media type, if known.</param>
/// <param name="Text">The text of a text resource; <see langword="null"/> for a binary one.</param>
/// <param name="Blob">The base64-encoded bytes of a binary resource; <see langword="null"/> for a text one.</param>
public sealed record EmbeddedResourceToolContent(string Uri, string? MimeType, string? Text, string? Blob = null) : ToolContent
{
    /// <inheritdoc/>
    public override int CharacterCount => (Text?.Length ?? 0) + (Blob?.Length ?? 0);
}

/// <summary>A link to a resource the client can read with <c>resources/read</c>.</summary>
/// <param name="Uri">The resource URI.</param>
/// <param name="Name">The resource name.</param>
/// <param name="MimeType">The media type, if known.</param>
/// <param name="Description">A description, if any.</param>
public sealed record ResourceLinkToolContent(string Uri, string Name, string? MimeType = null, string? Description = null) : ToolContent
{
    /// <inheritdoc/>
    public override int CharacterCount => Uri.Length + Name.Length + (Description?.Length ?? 0);
}
