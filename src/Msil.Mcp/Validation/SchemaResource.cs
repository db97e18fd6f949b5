namespace Msil.Mcp.Validation;

/// <summary>
/// A schema resource (the document, or a subschema with its own <c>$id</c>) as seen at validation time: the
/// <c>$dynamicAnchor</c>s it declares, which a <c>$dynamicRef</c> looks up in the dynamic scope.
/// </summary>
internal sealed class SchemaResource
{
    internal SchemaResource(string uri) => Uri = uri;

    /// <summary>Gets the resource's absolute URI (for diagnostics).</summary>
    internal string Uri { get; }

    internal Dictionary<string, SchemaNode> DynamicAnchors { get; } = new(StringComparer.Ordinal);
}
