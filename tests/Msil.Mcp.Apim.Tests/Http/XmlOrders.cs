using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Apim.Tests.Http;

/// <summary>The XML mapping of a small orders API, as the registry compiles it from its OpenAPI <c>xml</c> objects.</summary>
internal static class XmlOrders
{
    public const string Namespace = "urn:example:orders";
    public const string NotesNamespace = "urn:example:notes";

    public static XmlMapping Order { get; } = new()
    {
        Name = "order",
        Namespace = Namespace,
        Type = "object",
        Properties =
        [
            new XmlMapping { Name = "id", Property = "id", Attribute = true, Type = "integer" },
            new XmlMapping { Name = "customer", Property = "customer", Type = "string" },
            new XmlMapping { Name = "note", Property = "note", Prefix = "n", Namespace = NotesNamespace, Type = "string" },
            new XmlMapping { Name = "priority", Property = "priority", Type = "boolean" },
            new XmlMapping
            {
                Name = "lines",
                Property = "lines",
                Wrapped = true,
                Type = "array",
                Items = new XmlMapping
                {
                    Name = "line",
                    Type = "object",
                    Properties =
                    [
                        new XmlMapping { Name = "sku", Property = "sku", Attribute = true, Type = "string" },
                        new XmlMapping { Name = "quantity", Property = "quantity", Type = "integer" },
                    ],
                },
            },
            new XmlMapping { Name = "tags", Property = "tags", Type = "array", Items = new XmlMapping { Name = "tag", Type = "string" } },
            new XmlMapping { Name = "total", Property = "total", Type = "number" },
        ],
    };

    public const string OrderJson = """
        {"id":7,"customer":"Ann & Co <ltd> \"quoted\"","note":"fast","priority":true,
         "lines":[{"sku":"A-1","quantity":2},{"sku":"B\"2","quantity":1}],"tags":["red","blue"],"total":12.5}
        """;
}
