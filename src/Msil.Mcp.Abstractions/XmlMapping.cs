namespace Msil.Mcp.Abstractions;

/// <summary>
/// How one JSON value is written as XML and read back, from the OpenAPI <c>xml</c> object of its schema (name,
/// namespace, prefix, attribute, wrapped) and the schema's type.
/// </summary>
/// <remarks>
/// A request body in <c>application/xml</c>, <c>text/xml</c> or <c>*+xml</c> is a JSON argument that the executor
/// writes as XML by this mapping (<see cref="HttpBinding.BodyXml"/>); an XML response is read back into JSON by it
/// (<see cref="HttpBinding.ResponseXml"/>). A JSON property the mapping does not describe is written as an element of
/// its own name; arrays repeat their items' element unless <see cref="Wrapped"/>.
/// </remarks>
public sealed record XmlMapping
{
    private readonly IReadOnlyList<XmlMapping> _properties = [];

    /// <summary>Gets the local name of the element or attribute (for an array: of the wrapping element).</summary>
    public required string Name { get; init; }

    /// <summary>Gets the JSON property this node maps; <see langword="null"/> for a body's root and for array items.</summary>
    public string? Property { get; init; }

    /// <summary>Gets the XML namespace, if the schema gives one.</summary>
    public string? Namespace { get; init; }

    /// <summary>Gets the namespace prefix, if the schema gives one.</summary>
    public string? Prefix { get; init; }

    /// <summary>Gets whether the value is an attribute of its parent element rather than an element.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool Attribute { get; init; }

    /// <summary>Gets whether an array's items are wrapped in an element named <see cref="Name"/>.</summary>
    /// <value>Defaults to <see langword="false"/>: the items' elements repeat directly inside the parent.</value>
    public bool Wrapped { get; init; }

    /// <summary>Gets the JSON Schema type (<c>object</c>, <c>array</c>, <c>string</c>, <c>number</c>, <c>integer</c>, <c>boolean</c>), if the schema says.</summary>
    public string? Type { get; init; }

    /// <summary>Gets the mappings of an object's properties, in the schema's order.</summary>
    /// <value>Defaults to an empty list.</value>
    public IReadOnlyList<XmlMapping> Properties { get => _properties; init => _properties = value ?? []; }

    /// <summary>Gets the mapping of an array's items, if the value is an array.</summary>
    public XmlMapping? Items { get; init; }
}
