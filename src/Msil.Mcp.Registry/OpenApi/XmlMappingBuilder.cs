using Microsoft.OpenApi;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Registry.OpenApi;

/// <summary>
/// Builds the <see cref="XmlMapping"/> of an XML request or response body from its schema and the schemas' OpenAPI
/// <c>xml</c> objects: the root element is named by <c>xml.name</c>, else the schema's component name; a property by
/// <c>xml.name</c>, else its own name; an array's items by their <c>xml.name</c>, else the array property's name (the
/// array's own <c>xml.name</c> names only the wrapping element, when <c>wrapped</c>). Recursive schemas and very large
/// ones stop at <see cref="MaxDepth"/> levels or <see cref="MaxNodes"/> nodes; below that, values are written by their
/// JSON names.
/// </summary>
internal sealed class XmlMappingBuilder(SchemaEmitter emitter)
{
    /// <summary>The deepest property nesting described.</summary>
    public const int MaxDepth = 16;

    /// <summary>The most nodes one mapping holds.</summary>
    public const int MaxNodes = 2000;

    private readonly HashSet<IOpenApiSchema> _ancestors = new(ReferenceEqualityComparer.Instance);
    private int _nodes;

    /// <summary>Builds the mapping of a body's root.</summary>
    /// <param name="schema">The body's schema.</param>
    /// <param name="fallbackName">The root element's name when neither <c>xml.name</c> nor a component name gives one.</param>
    /// <param name="named">Whether the root name came from the schema (else <paramref name="fallbackName"/> was used).</param>
    public XmlMapping Build(IOpenApiSchema? schema, string fallbackName, out bool named)
    {
        _nodes = 0;
        _ancestors.Clear();
        var componentName = (schema as OpenApiSchemaReference)?.Reference?.Id;
        var xml = XmlOf(schema);
        var name = NonEmpty(xml?.Name) ?? NonEmpty(componentName);
        named = name is not null;
        return Node(schema, name ?? fallbackName, property: null, xml, depth: 0);
    }

    private XmlMapping Node(IOpenApiSchema? schema, string name, string? property, OpenApiXml? xml, int depth)
    {
        _nodes++;
        var resolved = emitter.Resolve(schema);
        var type = TypeOf(resolved);
        var mapping = new XmlMapping
        {
            Name = name,
            Property = property,
            Namespace = NonEmpty(xml?.Namespace?.OriginalString),
            Prefix = NonEmpty(xml?.Prefix),
            // The reader turns 3.0/3.1 'attribute: true' into nodeType attribute and 'wrapped: true' into nodeType element
            // (OpenAPI 3.2's spelling, where an array is wrapped exactly when its nodeType is element).
            Attribute = xml?.NodeType == OpenApiXmlNodeType.Attribute,
            Wrapped = type == "array" && xml?.NodeType == OpenApiXmlNodeType.Element,
            Type = type,
        };

        if (resolved is null || depth >= MaxDepth || _nodes >= MaxNodes || !_ancestors.Add(resolved))
        {
            return mapping;
        }

        try
        {
            if (type == "array" && resolved.Items is { } items)
            {
                var itemXml = XmlOf(items);
                return mapping with { Items = Node(items, NonEmpty(itemXml?.Name) ?? property ?? name, property: null, itemXml, depth + 1) };
            }

            var properties = new List<XmlMapping>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            CollectProperties(resolved, properties, seen, depth, 0);
            return properties.Count == 0 ? mapping : mapping with { Properties = properties };
        }
        finally
        {
            _ancestors.Remove(resolved);
        }
    }

    private void CollectProperties(IOpenApiSchema resolved, List<XmlMapping> properties, HashSet<string> seen, int depth, int allOfDepth)
    {
        if (resolved.AllOf is { } allOf && allOfDepth < 8)
        {
            foreach (var member in allOf)
            {
                if (emitter.Resolve(member) is { } memberSchema && !_ancestors.Contains(memberSchema))
                {
                    CollectProperties(memberSchema, properties, seen, depth, allOfDepth + 1);
                }
            }
        }

        if (resolved.Properties is not { } own)
        {
            return;
        }

        foreach (var (propertyName, propertySchema) in own)
        {
            if (_nodes >= MaxNodes)
            {
                return;
            }

            if (propertySchema is null || !seen.Add(propertyName))
            {
                continue;
            }

            var xml = XmlOf(propertySchema);
            properties.Add(Node(propertySchema, NonEmpty(xml?.Name) ?? propertyName, propertyName, xml, depth + 1));
        }
    }

    /// <summary>Reads the <c>xml</c> object of a schema: a reference's target's, since <c>$ref</c> siblings are not read.</summary>
    private OpenApiXml? XmlOf(IOpenApiSchema? schema) => schema is null ? null : emitter.Resolve(schema)?.Xml;

    private static string? TypeOf(IOpenApiSchema? schema)
    {
        if (schema?.Type is not { } type)
        {
            return schema is { Properties.Count: > 0 } ? "object" : schema?.Items is not null ? "array" : null;
        }

        type &= ~JsonSchemaType.Null;
        return type switch
        {
            JsonSchemaType.Object => "object",
            JsonSchemaType.Array => "array",
            JsonSchemaType.String => "string",
            JsonSchemaType.Number => "number",
            JsonSchemaType.Integer => "integer",
            JsonSchemaType.Boolean => "boolean",
            _ => null,
        };
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
