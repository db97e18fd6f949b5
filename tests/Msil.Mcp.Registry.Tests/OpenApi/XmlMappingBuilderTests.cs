using System.Text.Json;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry.OpenApi;
using Msil.Mcp.Registry.Tests.Support;

namespace Msil.Mcp.Registry.Tests.OpenApi;

/// <summary>XML, text and binary bodies as the compiler sees them: which media type wins, the arguments and the XML mapping.</summary>
public sealed class XmlMappingBuilderTests
{
    private static OpenApiCompilation Compile(string text) => new OpenApiToolCompiler().Compile(text, "orders");

    private static ToolDefinition Tool(OpenApiCompilation compilation, string name) => Assert.Single(compilation.Tools, t => t.Name == name);

    [Fact]
    public void Compile_XmlOnlyRequestBody_IsAToolWhoseArgumentsAreTheBodysProperties()
    {
        var compilation = Compile(XmlOrdersSpec.Yaml);

        Assert.DoesNotContain(compilation.Diagnostics, d => d.Skipped);
        var tool = Tool(compilation, "create_order");
        Assert.Equal("application/xml", tool.Http!.BodyContentType);
        var properties = tool.InputSchema.GetProperty("properties");
        Assert.Equal(["customer", "note", "priority", "lines", "tags"], properties.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["customer", "lines"], tool.InputSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.All(tool.Http.Parameters, p => Assert.Equal(ParameterLocation.Body, p.Location));
    }

    [Fact]
    public void Compile_XmlRequestBody_MapsNamespacesPrefixesAttributesAndWrappedArrays()
    {
        var root = Tool(Compile(XmlOrdersSpec.Yaml), "create_order").Http!.BodyXml;

        Assert.NotNull(root);
        Assert.Equal("order", root.Name);
        Assert.Equal(XmlOrdersSpec.Namespace, root.Namespace);
        Assert.Null(root.Prefix);
        Assert.Equal("object", root.Type);
        var id = Assert.Single(root.Properties, p => p.Property == "id");
        Assert.True(id.Attribute);
        Assert.Equal("integer", id.Type);
        var note = Assert.Single(root.Properties, p => p.Property == "note");
        Assert.Equal(("n", XmlOrdersSpec.NotesNamespace), (note.Prefix, note.Namespace));
        var lines = Assert.Single(root.Properties, p => p.Property == "lines");
        Assert.True(lines.Wrapped);
        Assert.Equal("array", lines.Type);
        Assert.Equal("line", lines.Items!.Name);
        Assert.True(Assert.Single(lines.Items.Properties, p => p.Property == "sku").Attribute);
        var tags = Assert.Single(root.Properties, p => p.Property == "tags");
        Assert.False(tags.Wrapped);
        Assert.Equal("tag", tags.Items!.Name);
    }

    [Fact]
    public void Compile_XmlResponseWithSchema_HasOutputSchemaAndResponseMapping()
    {
        var compilation = Compile(XmlOrdersSpec.Yaml);

        var create = Tool(compilation, "create_order");
        Assert.Equal("receipt", create.Http!.ResponseXml!.Name);
        Assert.Equal(["id", "status", "total"], create.OutputSchema!.Value.GetProperty("properties").EnumerateObject().Select(p => p.Name));
        var get = Tool(compilation, "get_order");
        Assert.Null(get.Http!.BodyXml);
        Assert.Equal("order", get.Http.ResponseXml!.Name);
        Assert.NotNull(get.OutputSchema);
    }

    [Fact]
    public void Compile_TextPlainAndOctetStreamBodies_AreOneStringArgument()
    {
        var compilation = Compile(XmlOrdersSpec.Yaml);

        var note = Tool(compilation, "replace_order_note");
        Assert.Equal("text/plain", note.Http!.BodyContentType);
        Assert.Equal(ParameterLocation.WholeBody, Assert.Single(note.Http.Parameters, p => p.Argument == "body").Location);
        var noteBody = note.InputSchema.GetProperty("properties").GetProperty("body");
        Assert.Equal("string", noteBody.GetProperty("type").GetString());
        Assert.Equal(2000, noteBody.GetProperty("maxLength").GetInt32());

        var attachment = Tool(compilation, "put_order_attachment");
        Assert.Equal("application/octet-stream", attachment.Http!.BodyContentType);
        var binary = attachment.InputSchema.GetProperty("properties").GetProperty("body");
        Assert.Equal("string", binary.GetProperty("type").GetString());
        Assert.Contains("base64", binary.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Null(attachment.Http.ResponseXml);
    }

    [Fact]
    public void Compile_JsonAndXmlOffered_JsonStaysPreferred()
    {
        var compilation = Compile("""
            openapi: 3.0.3
            info: {title: t, version: '1'}
            paths:
              /orders:
                post:
                  operationId: createOrder
                  summary: Create an order in either format
                  requestBody:
                    required: true
                    content:
                      application/xml: {schema: {$ref: '#/components/schemas/Order'}}
                      application/json: {schema: {$ref: '#/components/schemas/Order'}}
                  responses:
                    '200':
                      description: ok
                      content:
                        application/xml: {schema: {$ref: '#/components/schemas/Order'}}
                        application/json: {schema: {$ref: '#/components/schemas/Order'}}
            components:
              schemas:
                Order: {type: object, properties: {customer: {type: string}}}
            """);

        var tool = Assert.Single(compilation.Tools);
        Assert.Equal("application/json", tool.Http!.BodyContentType);
        Assert.Null(tool.Http.BodyXml);
        Assert.Null(tool.Http.ResponseXml);
    }

    [Fact]
    public void Compile_InlineXmlSchemaWithoutName_UsesTheFallbackRootAndSaysSo()
    {
        var compilation = Compile("""
            openapi: 3.1.0
            info: {title: t, version: '1'}
            paths:
              /ping:
                post:
                  operationId: ping
                  summary: Send a ping document
                  requestBody:
                    content:
                      text/xml: {schema: {type: object, properties: {message: {type: string}}}}
                  responses: {'204': {description: ok}}
            """);

        var tool = Assert.Single(compilation.Tools);
        Assert.Equal("text/xml", tool.Http!.BodyContentType);
        Assert.Equal("root", tool.Http.BodyXml!.Name);
        Assert.Contains(compilation.Diagnostics, d => d is { Operation: "POST /ping", Code: "xml-root-name-missing", Severity: CompileSeverity.Info });
    }

    [Fact]
    public void Compile_Swagger20ConsumesXml_IsAnXmlTool()
    {
        var compilation = Compile("""
            swagger: '2.0'
            info: {title: t, version: '1'}
            consumes: [application/xml]
            produces: [application/xml]
            paths:
              /pets:
                post:
                  operationId: addPet
                  summary: Add a pet to the store
                  parameters:
                    - {name: pet, in: body, required: true, schema: {$ref: '#/definitions/Pet'}}
                  responses:
                    '200': {description: ok, schema: {$ref: '#/definitions/Pet'}}
            definitions:
              Pet:
                type: object
                xml: {name: pet}
                properties:
                  name: {type: string}
                  photoUrls: {type: array, xml: {wrapped: true}, items: {type: string, xml: {name: photoUrl}}}
            """);

        var tool = Assert.Single(compilation.Tools);
        Assert.Equal("application/xml", tool.Http!.BodyContentType);
        Assert.Equal("pet", tool.Http.BodyXml!.Name);
        var photos = Assert.Single(tool.Http.BodyXml.Properties, p => p.Property == "photoUrls");
        Assert.Equal(("photoUrls", true, "photoUrl"), (photos.Name, photos.Wrapped, photos.Items!.Name));
        Assert.Equal("pet", tool.Http.ResponseXml!.Name);
    }

    [Fact]
    public void Compile_RecursiveXmlSchema_StopsAtTheDepthLimit()
    {
        var compilation = Compile("""
            openapi: 3.0.3
            info: {title: t, version: '1'}
            paths:
              /nodes:
                post:
                  operationId: addNode
                  summary: Add a tree of nodes
                  requestBody:
                    required: true
                    content:
                      application/xml: {schema: {$ref: '#/components/schemas/Node'}}
                  responses: {'204': {description: ok}}
            components:
              schemas:
                Node:
                  type: object
                  properties:
                    name: {type: string}
                    children: {type: array, items: {$ref: '#/components/schemas/Node'}}
            """);

        var root = Assert.Single(compilation.Tools).Http!.BodyXml!;
        Assert.Equal("Node", root.Name);
        var children = Assert.Single(root.Properties, p => p.Property == "children");
        Assert.Equal("children", children.Items!.Name);
        Assert.Empty(children.Items.Properties);
    }

    [Fact]
    public void Compile_AddingXmlOperations_LeavesTheOtherToolsHashesAlone()
    {
        const string JsonOnly = """
            openapi: 3.0.3
            info: {title: t, version: '1'}
            paths:
              /dealers:
                get:
                  operationId: listDealers
                  summary: List the dealers of a region
                  parameters: [{name: region, in: query, schema: {type: string}}]
                  responses:
                    '200': {description: ok, content: {application/json: {schema: {type: object, properties: {items: {type: array, items: {type: string}}}}}}}
            """;
        var before = Assert.Single(Compile(JsonOnly).Tools);

        var after = Compile(JsonOnly + """

              /orders:
                post:
                  operationId: createOrder
                  summary: Create an order document
                  requestBody:
                    required: true
                    content:
                      application/xml: {schema: {type: object, xml: {name: order}, properties: {customer: {type: string}}}}
                  responses: {'201': {description: created}}
            """);

        Assert.Equal(2, after.Tools.Count);
        Assert.Equal(before.ContentHash, Tool(after, "list_dealers").ContentHash);
    }

    [Fact]
    public void Compile_XmlBodyExample_IsNotTakenForJsonArguments()
    {
        var compilation = Compile("""
            openapi: 3.0.3
            info: {title: t, version: '1'}
            paths:
              /orders:
                post:
                  operationId: createOrder
                  summary: Create an order document
                  requestBody:
                    required: true
                    content:
                      application/xml:
                        schema: {type: string}
                        example: '<order><customer>Ann</customer></order>'
                  responses: {'201': {description: created}}
            """);

        Assert.Empty(Assert.Single(compilation.Tools).Examples);
    }

    [Fact]
    public void XmlMapping_RoundTripsThroughTheStoresJson()
    {
        var tool = Tool(Compile(XmlOrdersSpec.Yaml), "create_order");

        var json = Msil.Mcp.Registry.Store.SqlToolStore.Serialize(tool);
        var back = Msil.Mcp.Registry.Store.SqlToolStore.Deserialize(json);

        Assert.Equal(ToolDefinitionHasher.Compute(tool), ToolDefinitionHasher.Compute(back));
        Assert.Equal(tool.ContentHash, ToolDefinitionHasher.Compute(back));
        Assert.Equal(["orders.read", "orders.write"], back.RequiredScopes);
        using var document = JsonDocument.Parse(json);
        Assert.Equal("order", document.RootElement.GetProperty("Http").GetProperty("BodyXml").GetProperty("Name").GetString());
    }
}
